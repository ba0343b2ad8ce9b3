// The supervised `ipfs pubsub sub` process behind Client::Subscribe. Not
// part of the public API of core/ipfs.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/ipfs/client.h"
#include "core/ipfs/health.h"

namespace dim::ipfs {

struct SubscriberSpec {
  std::vector<std::string> argv;  // the complete `ipfs ... pubsub sub` line
  std::string label;              // "ipfs pubsub sub TOPIC", for messages
  std::string hint;               // for a command that cannot be started
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // A subscriber that ran this long was healthy: the next pause restarts
  // from min_backoff.
  std::chrono::milliseconds healthy_after{10000};
};

class KuboSubscription : public Subscription {
 public:
  // Starts the thread, which starts the first subscriber at once.
  KuboSubscription(SubscriberSpec spec,
                   std::shared_ptr<HealthTracker> health,
                   std::function<void(const Message&)> on_message);
  ~KuboSubscription() override;

  bool running() const override { return running_.load(); }
  uint64_t malformed_lines() const override { return malformed_.load(); }

 private:
  void Loop();
  // Runs one subscriber until it ends or Stop is asked for; returns why it
  // ended (Ok when stopped).
  Status RunOnce();
  // Splits stdout into lines; false on end of file.
  bool ReadStdout(int fd);
  void HandleLine(std::string_view line);
  void Skip(const std::string& why);
  // Sleeps for `pause` unless woken by the destructor.
  void Pause(std::chrono::milliseconds pause);

  const SubscriberSpec spec_;
  const std::shared_ptr<HealthTracker> health_;
  const std::function<void(const Message&)> on_message_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> malformed_{0};
  int wake_[2] = {-1, -1};  // the destructor writes to [1]
  // Used by the subscription thread only:
  std::string pending_;      // a partial line
  bool discarding_ = false;  // inside an over-long line
  std::thread thread_;
};

}  // namespace dim::ipfs
