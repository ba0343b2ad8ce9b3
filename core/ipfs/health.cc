#include "core/ipfs/health.h"

#include "core/metrics/registry.h"
#include "core/util/log.h"

namespace dim::ipfs {
namespace {

metrics::Counter& DaemonFailures() {
  static auto& counter = metrics::Default().GetCounter(
      {"dim.ipfs.failures",
       "Calls to the IPFS daemon that failed because it was down, missing "
       "or too slow"});
  return counter;
}

}  // namespace

bool IsDaemonFailure(const Status& status) {
  switch (status.code()) {
    case Code::kUnavailable:
    case Code::kDeadlineExceeded:
    case Code::kInternal:
      return true;
    default:
      return false;
  }
}

void HealthTracker::RecordSuccess() {
  uint64_t failures;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (health_.ok) return;
    health_.ok = true;
    failures = health_.failures;
  }
  DIM_LOG(Info, "ipfs") << "ipfs daemon reachable again (" << failures
                        << " failures so far)";
}

void HealthTracker::RecordFailure(const std::string& error) {
  DaemonFailures().Increment();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++health_.failures;
    health_.last_error = error;
    if (!health_.ok) return;
    health_.ok = false;
  }
  DIM_LOG(Warn, "ipfs") << error
                        << "; dimctl keeps serving on what it knows and "
                           "will keep trying (further failures are only "
                           "counted)";
}

void HealthTracker::Record(const Status& status) {
  if (IsDaemonFailure(status)) {
    RecordFailure(status.message());
  } else {
    RecordSuccess();
  }
}

Health HealthTracker::Get() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return health_;
}

}  // namespace dim::ipfs
