#include "core/runtime/node_runtime.h"

#include <algorithm>
#include <future>
#include <utility>

#include "core/runtime/describe.h"
#include "core/runtime/rows.h"
#include "core/tensor/wire.h"
#include "core/util/log.h"

#ifndef DIMCTL_VERSION
#error "DIMCTL_VERSION must be defined by the build"
#endif

namespace dim::runtime {

namespace {

using Steady = std::chrono::steady_clock;

// How often a waiting Run looks at its deadline and at `abandoned`.
constexpr std::chrono::milliseconds kPollInterval(50);

int64_t MicrosSince(Steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() -
                                                               start)
      .count();
}

int64_t UnixMillis(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             t.time_since_epoch())
      .count();
}


}  // namespace

struct NodeRuntime::Outcome {
  dim::Status status;
  tensor::Tensor output;
  int64_t samples = 0;
  int64_t queue_us = 0;
  int64_t run_us = 0;

  static Outcome Failed(dim::Status why) {
    Outcome outcome;
    outcome.status = std::move(why);
    return outcome;
  }
};

NodeRuntime::NodeRuntime(NodeOptions options, std::unique_ptr<Engine> engine)
    : options_(std::move(options)),
      started_ms_(UnixMillis(Clock::now())),
      engine_(std::move(engine)) {}

NodeRuntime::~NodeRuntime() { Shutdown(); }

Result<std::unique_ptr<NodeRuntime>> NodeRuntime::Create(
    NodeOptions options, std::unique_ptr<Engine> engine) {
  std::unique_ptr<NodeRuntime> node(
      new NodeRuntime(std::move(options), std::move(engine)));
  const NodeOptions& o = node->options_;

  Result<std::unique_ptr<ModelStore>> models =
      ModelStore::Open(o.model_dir, o.node_id, node->engine_.get());
  if (!models.ok()) return models.status();
  node->models_ = std::move(*models);

  Result<std::unique_ptr<DatasetStore>> datasets =
      DatasetStore::Open(o.dataset_dir, o.node_id, o.limits);
  if (!datasets.ok()) return datasets.status();
  node->datasets_ = std::move(*datasets);

  for (const std::string& id : o.prewarm) {
    DIM_RETURN_IF_ERROR(node->models_->EnsureLoaded(id));
  }
  node->queue_ = std::make_unique<TaskQueue>(TaskQueue::Options{
      o.node_id, o.max_concurrent_tasks, o.queue_limit});
  return node;
}

Result<dim::v1::RunTaskResponse> NodeRuntime::Run(
    const dim::v1::RunTaskRequest& request, Clock::time_point deadline,
    const std::function<bool()>& abandoned) {
  // Shared with the task, which may outlive this wait.
  auto promise =
      std::make_shared<std::promise<Result<dim::v1::RunTaskResponse>>>();
  auto future = promise->get_future();
  RunAsync(request, deadline, [promise](Result<dim::v1::RunTaskResponse> r) {
    promise->set_value(std::move(r));
  });
  for (;;) {
    Clock::time_point now = Clock::now();
    if (now >= deadline) break;
    auto slice = std::min<Clock::duration>(kPollInterval, deadline - now);
    if (future.wait_for(slice) == std::future_status::ready) {
      return future.get();
    }
    if (abandoned && abandoned()) {
      queue_->Cancel(request.task_id(),
                     Cancelled("task " + request.task_id() +
                               " was abandoned by its caller"));
      return future.get();
    }
  }
  // The task may be in the middle of a forward pass; it stops at its next
  // chunk, and nobody waits for it.
  dim::Status late = DeadlineExceeded("task " + request.task_id() +
                                      " passed its deadline on node " +
                                      options_.node_id);
  queue_->Cancel(request.task_id(), late);
  return late;
}

void NodeRuntime::RunAsync(const dim::v1::RunTaskRequest& request,
                           Clock::time_point deadline, Done done) {
  Origin origin{request.task_id(), request.model(), request.reduction()};
  if (origin.task_id.empty()) {
    origin.task_id = "task-" + std::to_string(++next_task_);
  }
  Result<const ModelSpec*> model = models_->Find(request.model());
  if (!model.ok()) {
    return done(Finish(origin, Outcome::Failed(model.status())));
  }
  Result<Rows> input = ResolveInput(request);
  dim::Status checked =
      input.ok() ? CheckInput(**model, **input) : input.status();
  if (!checked.ok()) return done(Finish(origin, Outcome::Failed(checked)));

  Task task = MakeTask(**model, std::move(*input), origin, done);
  task.id = origin.task_id;
  task.priority = request.priority();
  task.deadline = deadline;
  dim::Status submitted = queue_->Submit(std::move(task));
  // A refused task's done is not called by the queue.
  if (!submitted.ok()) done(Finish(origin, Outcome::Failed(submitted)));
}

Task NodeRuntime::MakeTask(const ModelSpec& model, Rows input, Origin origin,
                           Done done) {
  // Written by run, read by done, which the queue calls after run on the
  // same thread (or alone, for a task dropped before it ran).
  auto outcome = std::make_shared<Outcome>();
  Task task;
  Steady::time_point queued_at = Steady::now();
  task.run = [this, outcome, spec = &model, rows = std::move(input),
              queued_at](const TaskControl& control) {
    outcome->queue_us = MicrosSince(queued_at);
    Steady::time_point started = Steady::now();
    Result<tensor::Tensor> output = Execute(*spec, *rows, control);
    outcome->run_us = MicrosSince(started);
    outcome->samples = RowCount(*rows);
    if (output.ok()) outcome->output = std::move(*output);
    if (!output.ok()) outcome->status = output.status();
  };
  task.done = [this, outcome, origin = std::move(origin),
               done = std::move(done)](const dim::Status& dropped) {
    if (!dropped.ok()) *outcome = Outcome::Failed(dropped);
    done(Finish(origin, std::move(*outcome)));
  };
  return task;
}

Result<NodeRuntime::Rows> NodeRuntime::ResolveInput(
    const dim::v1::RunTaskRequest& request) {
  switch (request.source_case()) {
    case dim::v1::RunTaskRequest::kInput: {
      Result<tensor::Tensor> input =
          tensor::FromProto(request.input(), options_.limits);
      if (!input.ok()) return input.status();
      return Rows(std::make_shared<const tensor::Tensor>(std::move(*input)));
    }
    case dim::v1::RunTaskRequest::kDataset: {
      Result<const Dataset*> dataset = datasets_->Find(request.dataset());
      if (!dataset.ok()) return dataset.status();
      return Rows(Rows(), &(*dataset)->rows);  // aliasing, not owning
    }
    case dim::v1::RunTaskRequest::SOURCE_NOT_SET:
      break;
  }
  return InvalidArgument("task " + request.task_id() +
                         " has neither an input nor a dataset");
}

Result<tensor::Tensor> NodeRuntime::Execute(const ModelSpec& model,
                                            const tensor::Tensor& input,
                                            const TaskControl& control) {
  DIM_RETURN_IF_ERROR(control.Check());
  DIM_RETURN_IF_ERROR(models_->EnsureLoaded(model.id));
  bool whole = model.chunk_rows <= 0 || input.shape.empty() ||
               input.shape[0] <= model.chunk_rows;
  if (!whole) return ForwardInChunks(model, input, control);

  DIM_RETURN_IF_ERROR(control.Check());
  return engine_->Forward(model.id, input);
}

Result<tensor::Tensor> NodeRuntime::ForwardInChunks(
    const ModelSpec& model, const tensor::Tensor& input,
    const TaskControl& control) {
  std::vector<tensor::Tensor> outputs;
  int64_t rows = input.shape[0];
  for (int64_t begin = 0; begin < rows; begin += model.chunk_rows) {
    DIM_RETURN_IF_ERROR(control.Check());
    int64_t end = std::min(rows, begin + model.chunk_rows);
    Result<tensor::Tensor> out =
        engine_->Forward(model.id, SliceRows(input, begin, end));
    if (!out.ok()) return out.status();
    outputs.push_back(std::move(*out));
  }

  Result<tensor::Tensor> joined = ConcatRows(outputs);
  if (!joined.ok()) return joined.status().WithContext("model " + model.id);
  return joined;
}

Result<dim::v1::RunTaskResponse> NodeRuntime::Finish(const Origin& origin,
                                                     Outcome outcome) {
  if (outcome.status.ok() &&
      origin.reduction == dim::v1::REDUCTION_MEAN_ROWS) {
    Result<tensor::Tensor> mean = MeanRows(outcome.output);
    if (mean.ok()) outcome.output = std::move(*mean);
    if (!mean.ok()) {
      outcome.status = mean.status().WithContext("model " + origin.model);
    }
  }
  if (!outcome.status.ok()) {
    ++failed_;
    DIM_LOG(Debug, "runtime") << "task " << origin.task_id
                              << " failed: " << outcome.status.message();
    return outcome.status;
  }

  ++completed_;
  dim::v1::RunTaskResponse response;
  response.set_task_id(origin.task_id);
  response.set_node_id(options_.node_id);
  tensor::ToProto(outcome.output, response.mutable_output());
  response.set_samples(outcome.samples);
  response.set_queue_us(outcome.queue_us);
  response.set_run_us(outcome.run_us);
  return response;
}

bool NodeRuntime::Cancel(const std::string& task_id) {
  return queue_->Cancel(task_id, Cancelled("task " + task_id + " on node " +
                                           options_.node_id +
                                           " was cancelled"));
}

dim::v1::NodeStatus NodeRuntime::Status() const {
  dim::v1::NodeStatus status;
  status.set_node_id(options_.node_id);
  status.set_address(options_.address);
  status.set_capacity(queue_->capacity());
  status.set_running(queue_->running());
  status.set_queued(queue_->queued());
  for (dim::v1::ModelInfo& info : Models()) {
    *status.add_models() = std::move(info);
  }
  for (const Dataset& d : datasets_->datasets()) {
    dim::v1::DatasetInfo* info = status.add_datasets();
    info->set_name(d.name);
    info->set_samples(d.samples);
    for (int64_t dim : d.rows.shape) info->add_shape(dim);
    info->set_dtype(tensor::ToWireDType(d.rows.dtype));
  }
  status.set_version(DIMCTL_VERSION);
  status.set_started_ms(started_ms_);
  status.set_tasks_completed(completed_);
  status.set_tasks_failed(failed_);
  return status;
}

std::vector<dim::v1::PrewarmResult> NodeRuntime::Prewarm(
    const std::vector<std::string>& models) {
  std::vector<std::string> ids = models;
  if (ids.empty()) {
    for (const ModelSpec& m : models_->models()) ids.push_back(m.id);
  }

  std::vector<dim::v1::PrewarmResult> results;
  for (const std::string& id : ids) {
    Steady::time_point start = Steady::now();
    dim::Status loaded = models_->EnsureLoaded(id);
    dim::v1::PrewarmResult& result = results.emplace_back();
    result.set_model(id);
    result.set_ok(loaded.ok());
    result.set_error(loaded.message());
    result.set_load_us(MicrosSince(start));
  }
  return results;
}

std::vector<dim::v1::ModelInfo> NodeRuntime::Models() const {
  std::vector<dim::v1::ModelInfo> infos;
  for (const ModelSpec& m : models_->models()) {
    infos.push_back(ToModelInfo(m, models_->IsLoaded(m.id)));
  }
  return infos;
}

void NodeRuntime::Shutdown() {
  if (queue_) queue_->Shutdown();
}

}  // namespace dim::runtime
