// Sends one task to one node and gets its output back, without holding a
// thread while it waits: picks the least loaded eligible node, calls
// RunTask through the connection pool with gRPC's callback API, and on a
// failure that is the node's rather than the task's (unreachable, queue
// full, model failed to load) tries another eligible node, up to
// max_attempts; the same node is tried again only after a pause, and a
// node whose queue is full is waited for without spending an attempt.
// While no node is eligible (a node that could not be
// reached is not, until it is heard from again) the task is parked, and
// the job says why, until one appears, the job is cancelled or its
// deadline passes.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/orchestrator/job_control.h"
#include "core/mesh/registry.h"
#include "core/orchestrator/selection.h"
#include "core/rpc/channel_pool.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

struct Task {
  std::string id;  // unique within the job; the attempt is appended
  std::string model;
  // The input, or null for a dataset; shared so that retries reuse it.
  std::shared_ptr<const dim::v1::Tensor> input;
  std::string dataset;
  std::vector<std::string> pinned_nodes;
  int priority = 0;
  dim::v1::Reduction reduction = dim::v1::REDUCTION_NONE;
};

struct TaskOutcome {
  dim::v1::RunTaskResponse response;
  int attempts = 0;
  int64_t duration_us = 0;
};

class Dispatcher {
 public:
  using Done = std::function<void(Result<TaskOutcome>)>;

  // Borrows all three; they must outlive the dispatcher.
  Dispatcher(mesh::NodeRegistry* registry, rpc::ChannelPool* pool,
             NodeSelector* selector, int max_attempts);
  // Fails parked tasks with kUnavailable. Calls in flight must have ended:
  // their completions use the dispatcher.
  ~Dispatcher();

  // Starts the task; `done` is called exactly once, on this thread or on
  // a gRPC or dispatcher thread, and must not block for long.
  void Start(Task task, std::shared_ptr<JobControl> job, Done done);

  // Asks a node to drop a task; best effort, bounded by a short deadline.
  void CancelOnNode(const std::string& address, const std::string& task_id);

  // The node was declared DEAD: its calls in flight are cancelled and
  // their tasks tried elsewhere, as after any failure of the node's.
  void AbandonNode(const std::string& node_id, const std::string& why);

 private:
  struct Run;
  struct Call;

  // Whether a node that already failed this task may be called at once.
  enum class Tried { kNow, kAfterPause };
  // Picks a node and calls it, or parks the run while none is eligible.
  void Step(const std::shared_ptr<Run>& run, Tried tried);
  void CallNode(const std::shared_ptr<Run>& run, const std::string& node_id,
                const std::string& address);
  void Park(const std::shared_ptr<Run>& run);
  // Removes a finished call from calls_; returns why it was abandoned, if
  // it was.
  std::string Forget(const std::string& node_id, Call* call);
  // A node failed the call: try another node, give up, or wait a moment.
  void OnFailure(const std::shared_ptr<Run>& run, const std::string& node_id,
                 Status failed);
  // Parks the run to be tried again shortly, saying why it waits.
  void Defer(const std::shared_ptr<Run>& run, const std::string& why);
  // Hands a run to the watcher, or fails it when shutting down.
  void Enqueue(const std::shared_ptr<Run>& run);
  // Looks at parked runs again whenever the registry changes, and at
  // least every few hundred milliseconds for deadlines and cancellations.
  void WatchParked();

  mesh::NodeRegistry* const registry_;
  rpc::ChannelPool* const pool_;
  NodeSelector* const selector_;
  const int max_attempts_;

  std::mutex mutex_;
  std::condition_variable parked_cv_;
  std::vector<std::shared_ptr<Run>> parked_;  // guarded by mutex_
  // Guarded by mutex_: calls in flight, by node id.
  std::multimap<std::string, std::shared_ptr<Call>> calls_;
  bool stopping_ = false;                     // guarded by mutex_
  std::thread watcher_;
};

// Whether a failed task may succeed on another node.
bool IsNodeFailure(Code code);

}  // namespace dim::orchestrator
