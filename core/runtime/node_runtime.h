// The node: runs tasks that the orchestrator sends, on the models of its
// model folder and the datasets of its dataset folder, through a bounded
// priority queue. Torch-free: models run in the Engine handed to Create.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/runtime/dataset_store.h"
#include "core/runtime/engine.h"
#include "core/runtime/model_store.h"
#include "core/runtime/task_queue.h"
#include "core/tensor/limits.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::runtime {

struct NodeOptions {
  std::string node_id;
  // Where the node serves, as others should dial it; reported in Status.
  std::string address;
  // Folders holding models.toml and datasets.toml; empty means none.
  std::string model_dir;
  std::string dataset_dir;
  int max_concurrent_tasks = 2;
  int queue_limit = 1024;
  // Models to load before the node accepts tasks.
  std::vector<std::string> prewarm;
  tensor::Limits limits;
};

// Thread-safe: every method may be called from any thread.
class NodeRuntime {
 public:
  // Reads both manifests and every dataset, then loads the models of
  // options.prewarm; any failure there fails Create with its message.
  static Result<std::unique_ptr<NodeRuntime>> Create(
      NodeOptions options, std::unique_ptr<Engine> engine);

  // Shuts down.
  ~NodeRuntime();

  // Runs one task and blocks until it finishes, fails, is cancelled, or
  // the deadline passes (kDeadlineExceeded). `abandoned`, when given, is
  // polled while the task waits or runs; once it returns true the task is
  // cancelled (the caller went away). Errors: kNotFound for an unknown
  // model or dataset, kInvalidArgument for an input the model does not
  // take, kResourceExhausted when the queue is full, kCancelled,
  // kUnavailable after Shutdown, or the engine's error.
  Result<dim::v1::RunTaskResponse> Run(
      const dim::v1::RunTaskRequest& request, Clock::time_point deadline,
      const std::function<bool()>& abandoned = nullptr);

  // The same without blocking: `done` is called exactly once, from the
  // worker that ran the task or, for a task refused at once, from this
  // call. It must not block. Deadlines are enforced before the task
  // starts; a caller that needs one while it runs uses Cancel.
  using Done = std::function<void(Result<dim::v1::RunTaskResponse>)>;
  void RunAsync(const dim::v1::RunTaskRequest& request,
                Clock::time_point deadline, Done done);

  // Cancels a queued or running task; false when the node does not know
  // it (never seen, or already finished).
  bool Cancel(const std::string& task_id);

  dim::v1::NodeStatus Status() const;

  // Loads the models, reporting each; an empty list means every model in
  // the manifest.
  std::vector<dim::v1::PrewarmResult> Prewarm(
      const std::vector<std::string>& models);

  std::vector<dim::v1::ModelInfo> Models() const;

  // Fails queued tasks with kUnavailable, stops running ones at their
  // next chunk and waits for them. Idempotent.
  void Shutdown();

 private:
  struct Outcome;
  // A task's input. A dataset's rows are lent, not copied: the dataset
  // store outlives every task.
  using Rows = std::shared_ptr<const tensor::Tensor>;
  // What Finish needs of a request, without its input.
  struct Origin {
    std::string task_id;
    std::string model;
    dim::v1::Reduction reduction;
  };

  NodeRuntime(NodeOptions options, std::unique_ptr<Engine> engine);

  // The work of one task; the caller sets its id, priority and deadline.
  Task MakeTask(const ModelSpec& model, Rows input, Origin origin, Done done);
  Result<Rows> ResolveInput(const dim::v1::RunTaskRequest& request);
  Result<tensor::Tensor> Execute(const ModelSpec& model,
                                 const tensor::Tensor& input,
                                 const TaskControl& control);
  Result<tensor::Tensor> ForwardInChunks(const ModelSpec& model,
                                         const tensor::Tensor& input,
                                         const TaskControl& control);
  Result<dim::v1::RunTaskResponse> Finish(const Origin& origin,
                                          Outcome outcome);

  const NodeOptions options_;
  const int64_t started_ms_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<ModelStore> models_;
  std::unique_ptr<DatasetStore> datasets_;
  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> next_task_{0};
  // Last: destroyed first, so no worker outlives what tasks use.
  std::unique_ptr<TaskQueue> queue_;
};

}  // namespace dim::runtime
