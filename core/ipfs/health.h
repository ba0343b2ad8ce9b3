// Health bookkeeping shared by a KuboClient and its subscriptions (which
// may outlive the client, hence shared ownership). Logs the transitions,
// not every failure: a daemon that is down for an hour is one warning.
// Not part of the public API of core/ipfs. Thread-safe.
#pragma once

#include <mutex>
#include <string>

#include "core/ipfs/client.h"
#include "core/util/status.h"

namespace dim::ipfs {

class HealthTracker {
 public:
  void RecordSuccess();
  void RecordFailure(const std::string& error);
  // Ok and errors about the request count as success; see Client::health.
  void Record(const Status& status);
  Health Get() const;

 private:
  mutable std::mutex mutex_;
  Health health_;  // guarded by mutex_
};

// Whether an error says the daemon, rather than the request, is at fault.
bool IsDaemonFailure(const Status& status);

}  // namespace dim::ipfs
