#include "core/ipfs/subscription.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include "core/ipfs/command.h"
#include "core/ipfs/kubo_errors.h"
#include "core/ipfs/pubsub_line.h"
#include "core/util/log.h"

namespace dim::ipfs {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxSubscriberStderr = 4096;
// A subscriber whose output has ended gets this long to exit by itself.
constexpr std::chrono::seconds kExitGrace(1);

}  // namespace

KuboSubscription::KuboSubscription(
    SubscriberSpec spec, std::shared_ptr<HealthTracker> health,
    std::function<void(const Message&)> on_message)
    : spec_(std::move(spec)), health_(std::move(health)),
      on_message_(std::move(on_message)) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    // Without a wake pipe a stop could not interrupt the subscriber, so
    // none is started; report it like a subscriber that cannot start.
    health_->RecordFailure(spec_.label + ": cannot create a pipe");
    return;
  }
  thread_ = std::thread([this] { Loop(); });
}

KuboSubscription::~KuboSubscription() {
  stopping_ = true;
  if (wake_[1] >= 0) {
    char byte = 0;
    ssize_t ignored = write(wake_[1], &byte, 1);
    (void)ignored;
  }
  if (thread_.joinable()) thread_.join();
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

void KuboSubscription::Loop() {
  auto backoff = spec_.min_backoff;
  while (!stopping_) {
    auto started = Clock::now();
    Status ended = RunOnce();
    if (stopping_) break;
    health_->RecordFailure(ended.message());
    if (Clock::now() - started >= spec_.healthy_after) {
      backoff = spec_.min_backoff;
    }
    Pause(backoff);
    backoff = std::min(backoff * 2, spec_.max_backoff);
  }
}

Status KuboSubscription::RunOnce() {
  auto started = Child::Start(spec_.argv, spec_.hint);
  if (!started.ok()) return started.status().WithContext(spec_.label);
  std::unique_ptr<Child> child = std::move(started).value();
  child->CloseStdin();
  running_ = true;
  pending_.clear();
  discarding_ = false;

  CommandOutput ended;
  while (!stopping_ &&
         (child->stdout_fd() >= 0 || child->stderr_fd() >= 0)) {
    pollfd fds[3] = {{wake_[0], POLLIN, 0},
                     {child->stdout_fd(), POLLIN, 0},
                     {child->stderr_fd(), POLLIN, 0}};
    if (poll(fds, 3, -1) < 0 && errno != EINTR) break;
    if (fds[0].revents) break;
    if (fds[1].revents && !ReadStdout(child->stdout_fd())) {
      child->CloseStdout();
    }
    if (fds[2].revents &&
        ReadAvailable(child->stderr_fd(), &ended.err,
                      kMaxSubscriberStderr) == 0) {
      child->CloseStderr();
    }
  }
  running_ = false;
  if (stopping_) return Status::Ok();  // ~Child kills and reaps it

  if (!child->WaitUntil(Clock::now() + kExitGrace, &ended.exit_code)) {
    child->Kill();
    ended.exit_code = child->Wait();
  }
  return CommandFailure(spec_.label, ended);
}

bool KuboSubscription::ReadStdout(int fd) {
  std::string chunk;
  long n = ReadAvailable(fd, &chunk, 65536);
  if (n == 0) return false;
  size_t begin = 0;
  while (begin < chunk.size()) {
    size_t newline = chunk.find('\n', begin);
    size_t end = newline == std::string::npos ? chunk.size() : newline;
    if (!discarding_) pending_.append(chunk, begin, end - begin);
    if (!discarding_ && pending_.size() > kMaxPubsubLineBytes) {
      pending_.clear();
      discarding_ = true;
      Skip("line longer than " + std::to_string(kMaxPubsubLineBytes) +
           " bytes");
    }
    if (newline == std::string::npos) break;
    if (!discarding_) HandleLine(pending_);
    pending_.clear();
    discarding_ = false;
    begin = newline + 1;
  }
  return true;
}

void KuboSubscription::HandleLine(std::string_view line) {
  Result<Message> message = ParsePubsubLine(line);
  if (!message.ok()) {
    Skip(message.status().message());
    return;
  }
  health_->RecordSuccess();
  on_message_(*message);
}

void KuboSubscription::Skip(const std::string& why) {
  // The first one is worth a line in the log; a flood of them is not.
  if (malformed_.fetch_add(1) == 0) {
    DIM_LOG(Warn, "ipfs") << spec_.label << ": skipped a line it cannot "
                          << "read (" << why << "); later ones are only "
                          << "counted";
  }
}

void KuboSubscription::Pause(std::chrono::milliseconds pause) {
  pollfd wake = {wake_[0], POLLIN, 0};
  auto deadline = Clock::now() + pause;
  while (!stopping_) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) return;
    poll(&wake, 1, static_cast<int>(left.count()));
  }
}

}  // namespace dim::ipfs
