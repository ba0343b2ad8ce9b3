#include "core/orchestrator/patterns.h"

#include <future>

#include "core/orchestrator/aggregation.h"
#include "core/orchestrator/consensus.h"
#include "core/tensor/wire.h"

namespace dim::orchestrator {
namespace {

dim::v1::PartialOutput MakePart(const TaskOutcome& outcome,
                                const std::string& model) {
  dim::v1::PartialOutput part;
  part.set_node_id(outcome.response.node_id());
  part.set_model(model);
  part.set_samples(outcome.response.samples());
  *part.mutable_output() = outcome.response.output();
  part.set_attempts(outcome.attempts);
  part.set_duration_us(outcome.duration_us);
  return part;
}

// Runs tasks side by side and returns their outcomes in order, or the
// first failure. Each task gets its own thread: the threads only wait on
// RPCs, and a job has few tasks (bounded by the job limits).
std::vector<Result<TaskOutcome>> RunAll(const std::vector<Task>& tasks,
                                        Dispatcher* dispatcher,
                                        JobControl* job) {
  std::vector<std::future<Result<TaskOutcome>>> futures;
  for (const Task& task : tasks) {
    futures.push_back(std::async(std::launch::async, [&, task] {
      return dispatcher->Run(task, job);
    }));
  }
  std::vector<Result<TaskOutcome>> outcomes;
  for (auto& f : futures) outcomes.push_back(f.get());
  return outcomes;
}

Result<tensor::Tensor> Decode(const dim::v1::Tensor& t,
                              const std::string& who) {
  auto decoded = tensor::FromProto(t, tensor::Limits{INT64_MAX, 64, INT64_MAX});
  if (!decoded.ok()) return decoded.status().WithContext(who);
  return decoded;
}

Result<dim::v1::JobResult> RunCollaborative(
    const dim::v1::JobSpec& spec, Dispatcher* dispatcher, JobControl* job) {
  const auto& c = spec.collaborative();
  bool concat = c.aggregation() == dim::v1::AGGREGATION_CONCAT;
  std::vector<Task> tasks;
  for (const auto& dataset : c.datasets()) {
    Task t;
    t.id = job->job_id() + "-" + dataset;
    t.model = c.model();
    t.dataset = dataset;
    t.priority = spec.priority();
    t.reduction = concat ? dim::v1::REDUCTION_NONE
                         : dim::v1::REDUCTION_MEAN_ROWS;
    tasks.push_back(std::move(t));
  }
  auto outcomes = RunAll(tasks, dispatcher, job);

  dim::v1::JobResult result;
  std::vector<NodeOutput> parts;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const std::string& dataset = tasks[i].dataset;
    if (!outcomes[i].ok()) {
      return outcomes[i].status().WithContext("dataset " + dataset);
    }
    auto* part = result.add_parts();
    *part = MakePart(*outcomes[i], c.model());
    part->set_dataset(dataset);
    auto output = Decode(part->output(), "node " + part->node_id());
    if (!output.ok()) return output.status();
    parts.push_back(NodeOutput{part->node_id(), dataset, std::move(*output),
                               part->samples()});
  }
  auto combined = Aggregate(c.aggregation(), parts);
  if (!combined.ok()) return combined.status();
  tensor::ToProto(*combined, result.mutable_output());
  return result;
}

Result<dim::v1::JobResult> RunComparative(
    const dim::v1::JobSpec& spec, Dispatcher* dispatcher, JobControl* job) {
  const auto& c = spec.comparative();
  std::vector<Task> tasks;
  for (const auto& model : c.models()) {
    Task t;
    t.id = job->job_id() + "-" + model;
    t.model = model;
    t.input = &spec.input();
    t.priority = spec.priority();
    tasks.push_back(std::move(t));
  }
  auto outcomes = RunAll(tasks, dispatcher, job);

  dim::v1::JobResult result;
  std::vector<std::string> models(c.models().begin(), c.models().end());
  std::vector<tensor::Tensor> outputs;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].ok()) {
      return outcomes[i].status().WithContext("model " + models[i]);
    }
    auto* part = result.add_parts();
    *part = MakePart(*outcomes[i], models[i]);
    auto output = Decode(part->output(), "model " + models[i]);
    if (!output.ok()) return output.status();
    outputs.push_back(std::move(*output));
  }
  std::vector<double> weights(c.weights().begin(), c.weights().end());
  auto reconciled = Reconcile(c.consensus(), models, outputs, weights);
  if (!reconciled.ok()) return reconciled.status();
  tensor::ToProto(reconciled->output, result.mutable_output());
  for (int64_t k : reconciled->classes) result.add_classes(k);
  for (double a : reconciled->agreement) result.add_agreement(a);
  result.set_mean_agreement(reconciled->mean_agreement);
  for (int64_t r : reconciled->disagreements) result.add_disagreements(r);
  return result;
}

Result<dim::v1::JobResult> RunChained(const dim::v1::JobSpec& spec,
                                      Dispatcher* dispatcher,
                                      JobControl* job) {
  dim::v1::JobResult result;
  dim::v1::Tensor current = spec.input();
  int index = 0;
  for (const auto& step : spec.chained().steps()) {
    Task t;
    t.id = job->job_id() + "-s" + std::to_string(index);
    t.model = step.model();
    t.input = &current;
    t.pinned_nodes.assign(step.nodes().begin(), step.nodes().end());
    t.priority = spec.priority();
    auto outcome = dispatcher->Run(t, job);
    if (!outcome.ok()) {
      return outcome.status().WithContext(
          "step " + std::to_string(index + 1) + " (" + step.model() + ")");
    }
    auto* part = result.add_parts();
    *part = MakePart(*outcome, step.model());
    part->set_step(index);
    current = part->output();
    ++index;
  }
  *result.mutable_output() = current;
  return result;
}

}  // namespace

Result<dim::v1::JobResult> RunJob(const dim::v1::JobSpec& spec,
                                  Dispatcher* dispatcher, JobControl* job) {
  switch (spec.pattern()) {
    case dim::v1::PATTERN_COLLABORATIVE:
      return RunCollaborative(spec, dispatcher, job);
    case dim::v1::PATTERN_COMPARATIVE:
      return RunComparative(spec, dispatcher, job);
    case dim::v1::PATTERN_CHAINED:
      return RunChained(spec, dispatcher, job);
    default:
      return InvalidArgument("job has no pattern");
  }
}

}  // namespace dim::orchestrator
