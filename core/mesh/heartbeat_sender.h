// Keeps an orchestrator informed about a node: every interval, the node's
// current status goes to a sink (the Heartbeat RPC of the orchestrator the
// node joined, or the registry of the orchestrator in the same process).
// A failing sink is logged once when it starts failing and once when it
// recovers, not on every beat.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::mesh {

class HeartbeatSender {
 public:
  using StatusSource = std::function<dim::v1::NodeStatus()>;
  using Sink = std::function<Status(const dim::v1::NodeStatus&)>;

  // Sends the first heartbeat at once, then every `interval`, from a
  // thread of its own, until Stop() or destruction.
  HeartbeatSender(std::string target, std::chrono::milliseconds interval,
                  StatusSource source, Sink sink);
  ~HeartbeatSender();

  void Stop();

 private:
  void Loop();

  const std::string target_;
  const std::chrono::milliseconds interval_;
  const StatusSource source_;
  const Sink sink_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

// A sink that calls Orchestrator.Heartbeat at `address`, each call bounded
// by `timeout`.
HeartbeatSender::Sink RpcHeartbeatSink(const std::string& address,
                                       std::chrono::milliseconds timeout);

}  // namespace dim::mesh
