// What the orchestrator can do to a job while its tasks run: cancel it
// (which cancels every RPC in flight and asks the nodes to drop the
// tasks), see its deadline, and learn when it starts running or why it
// waits. One per running job; shared by the job's worker, its task threads
// and CancelJob. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace grpc {
class ClientContext;
}

namespace dim::orchestrator {

class JobControl {
 public:
  using Clock = std::chrono::system_clock;
  struct Hooks {
    // A task was sent to a node.
    std::function<void(const std::string& node_id)> on_dispatch;
    // The job waits for a node; empty `why` means it no longer waits.
    std::function<void(const std::string& why)> on_wait;
  };

  JobControl(std::string job_id, Clock::time_point deadline, Hooks hooks);

  const std::string& job_id() const { return job_id_; }
  Clock::time_point deadline() const { return deadline_; }
  bool cancelled() const;

  // Marks the job cancelled and cancels the RPCs registered now. Returns
  // the (node address, task id) pairs that were running, so that the
  // caller can ask those nodes to drop them.
  std::vector<std::pair<std::string, std::string>> Cancel();

  // Registers an RPC in flight; false when the job is already cancelled
  // (the caller must not start the call then).
  bool BeginCall(grpc::ClientContext* ctx, const std::string& address,
                 const std::string& task_id);
  void EndCall(grpc::ClientContext* ctx);

  void NotifyDispatch(const std::string& node_id) const;
  void NotifyWait(const std::string& why) const;

 private:
  struct Call {
    grpc::ClientContext* ctx;
    std::string address;
    std::string task_id;
  };

  const std::string job_id_;
  const Clock::time_point deadline_;
  const Hooks hooks_;
  mutable std::mutex mutex_;
  bool cancelled_ = false;   // guarded by mutex_
  std::vector<Call> calls_;  // guarded by mutex_
};

}  // namespace dim::orchestrator
