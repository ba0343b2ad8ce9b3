// Keeps others informed about this process: every interval, a heartbeat
// goes out (to the orchestrator a node joined, into the registry of the
// orchestrator in the same process, or onto an IPFS pubsub topic). A
// failing destination is logged once when it starts failing and once when
// it recovers, not on every beat.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/security/credentials.h>

#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::mesh {

// Stamps the beats of one process: a random instance id drawn at
// construction and a sequence number that increases with every beat.
// Thread-safe.
class BeatStamper {
 public:
  explicit BeatStamper(std::chrono::milliseconds interval);

  dim::v1::BeatHeader Next();
  const std::string& instance() const { return instance_; }

 private:
  const std::string instance_;
  const std::chrono::milliseconds interval_;
  std::atomic<uint64_t> seq_{0};
};

class HeartbeatSender {
 public:
  using Send = std::function<Status()>;

  // Sends the first heartbeat at once, then one every `interval` (on a
  // fixed schedule, however long a send takes), from a thread of its own,
  // until Stop() or destruction. `target` names the destination in logs.
  HeartbeatSender(std::string target, std::chrono::milliseconds interval,
                  Send send);
  ~HeartbeatSender();

  void Stop();

 private:
  void Loop();

  const std::string target_;
  const std::chrono::milliseconds interval_;
  const Send send_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

// Calls Orchestrator.Heartbeat at `address` with the beat, bounded by
// `timeout`, over a channel with `credentials`.
std::function<Status(const dim::v1::NodeHeartbeat&)> RpcHeartbeatSink(
    const std::string& address, std::chrono::milliseconds timeout,
    std::shared_ptr<grpc::ChannelCredentials> credentials);

}  // namespace dim::mesh
