// Sends one task to one node and gets its output back: picks the least
// loaded eligible node, calls RunTask through the connection pool, and on
// a failure that is the node's rather than the task's (unreachable, queue
// full, model failed to load) tries another eligible node, up to
// max_attempts. While no node is eligible (a node that could not be reached
// is not, until it is heard from again) the task waits, and the job says
// why, until one appears, the job is cancelled or its deadline passes.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/orchestrator/job_control.h"
#include "core/orchestrator/registry.h"
#include "core/orchestrator/selection.h"
#include "core/rpc/channel_pool.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

struct Task {
  std::string id;  // unique within the job; the attempt is appended
  std::string model;
  const dim::v1::Tensor* input = nullptr;  // or a dataset
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
  // Borrows all three; they must outlive the dispatcher.
  Dispatcher(NodeRegistry* registry, rpc::ChannelPool* pool,
             NodeSelector* selector, int max_attempts);

  // Blocks until the task has an output or has failed for good. Called
  // from many threads at once.
  Result<TaskOutcome> Run(const Task& task, JobControl* job);

  // Asks a node to drop a task; best effort, bounded by a short deadline.
  void CancelOnNode(const std::string& address, const std::string& task_id);

 private:
  // Picks the least loaded eligible node, preferring those not tried yet;
  // while none is eligible, waits and lets the job say why.
  Result<std::pair<std::string, std::string>> ChooseNode(
      const Task& task, const std::set<std::string>& tried, JobControl* job);
  Result<dim::v1::RunTaskResponse> Call(const Task& task,
                                        const std::string& task_id,
                                        const std::string& node_id,
                                        const std::string& address,
                                        JobControl* job);

  NodeRegistry* const registry_;
  rpc::ChannelPool* const pool_;
  NodeSelector* const selector_;
  const int max_attempts_;
};

// Whether a failed task may succeed on another node.
bool IsNodeFailure(Code code);

}  // namespace dim::orchestrator
