#include "core/orchestrator/patterns.h"

#include <mutex>
#include <optional>

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

Result<tensor::Tensor> Decode(const dim::v1::Tensor& t,
                              const std::string& who) {
  auto decoded = tensor::FromProto(t, tensor::Limits{INT64_MAX, 64, INT64_MAX});
  if (!decoded.ok()) return decoded.status().WithContext(who);
  return decoded;
}

using Outcomes = std::vector<Result<TaskOutcome>>;
using Combine = std::function<Result<dim::v1::JobResult>(Outcomes&)>;

// Tasks that run side by side; when the last one ends, `combine` turns
// their outcomes (in task order) into the job's result.
struct FanOut {
  std::mutex mutex;
  std::vector<std::optional<Result<TaskOutcome>>> outcomes;
  size_t remaining = 0;
  Combine combine;
  JobDone done;
};

void RunSideBySide(std::vector<Task> tasks, Dispatcher* dispatcher,
                   const std::shared_ptr<JobControl>& job, Combine combine,
                   JobDone done) {
  auto fan = std::make_shared<FanOut>();
  fan->outcomes.resize(tasks.size());
  fan->remaining = tasks.size();
  fan->combine = std::move(combine);
  fan->done = std::move(done);
  for (size_t i = 0; i < tasks.size(); ++i) {
    dispatcher->Start(std::move(tasks[i]), job,
                      [fan, i](Result<TaskOutcome> outcome) {
      {
        std::lock_guard<std::mutex> lock(fan->mutex);
        fan->outcomes[i] = std::move(outcome);
        if (--fan->remaining > 0) return;
      }
      Outcomes all;
      for (auto& o : fan->outcomes) all.push_back(std::move(*o));
      fan->done(fan->combine(all));
    });
  }
}

void StartCollaborative(const dim::v1::JobSpec& spec, Dispatcher* dispatcher,
                        const std::shared_ptr<JobControl>& job,
                        JobDone done) {
  const auto& c = spec.collaborative();
  bool concat = c.aggregation() == dim::v1::AGGREGATION_CONCAT;
  std::vector<Task> tasks;
  std::vector<std::string> datasets(c.datasets().begin(), c.datasets().end());
  for (const auto& dataset : datasets) {
    Task t;
    t.id = job->job_id() + "-" + dataset;
    t.model = c.model();
    t.dataset = dataset;
    t.priority = spec.priority();
    t.reduction = concat ? dim::v1::REDUCTION_NONE
                         : dim::v1::REDUCTION_MEAN_ROWS;
    tasks.push_back(std::move(t));
  }
  auto combine = [model = c.model(), rule = c.aggregation(),
                  datasets](Outcomes& outcomes)
      -> Result<dim::v1::JobResult> {
    dim::v1::JobResult result;
    std::vector<NodeOutput> parts;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (!outcomes[i].ok()) {
        return outcomes[i].status().WithContext("dataset " + datasets[i]);
      }
      auto* part = result.add_parts();
      *part = MakePart(*outcomes[i], model);
      part->set_dataset(datasets[i]);
      auto output = Decode(part->output(), "node " + part->node_id());
      if (!output.ok()) return output.status();
      parts.push_back(NodeOutput{part->node_id(), datasets[i],
                                 std::move(*output), part->samples()});
    }
    auto combined = Aggregate(rule, parts);
    if (!combined.ok()) return combined.status();
    tensor::ToProto(*combined, result.mutable_output());
    return result;
  };
  RunSideBySide(std::move(tasks), dispatcher, job, combine, std::move(done));
}

void StartComparative(const dim::v1::JobSpec& spec, Dispatcher* dispatcher,
                      const std::shared_ptr<JobControl>& job, JobDone done) {
  const auto& c = spec.comparative();
  auto input = std::make_shared<const dim::v1::Tensor>(spec.input());
  std::vector<std::string> models(c.models().begin(), c.models().end());
  std::vector<Task> tasks;
  for (const auto& model : models) {
    Task t;
    t.id = job->job_id() + "-" + model;
    t.model = model;
    t.input = input;
    t.priority = spec.priority();
    tasks.push_back(std::move(t));
  }
  std::vector<double> weights(c.weights().begin(), c.weights().end());
  auto combine = [models, weights, rule = c.consensus()](Outcomes& outcomes)
      -> Result<dim::v1::JobResult> {
    dim::v1::JobResult result;
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
    auto reconciled = Reconcile(rule, models, outputs, weights);
    if (!reconciled.ok()) return reconciled.status();
    tensor::ToProto(reconciled->output, result.mutable_output());
    for (int64_t k : reconciled->classes) result.add_classes(k);
    for (double a : reconciled->agreement) result.add_agreement(a);
    result.set_mean_agreement(reconciled->mean_agreement);
    for (int64_t r : reconciled->disagreements) result.add_disagreements(r);
    return result;
  };
  RunSideBySide(std::move(tasks), dispatcher, job, combine, std::move(done));
}

// A chain in progress: each step's completion starts the next step.
struct Chain {
  dim::v1::JobSpec spec;
  Dispatcher* dispatcher;
  std::shared_ptr<JobControl> job;
  JobDone done;
  dim::v1::JobResult result;
  std::shared_ptr<const dim::v1::Tensor> current;
  int index = 0;
};

void NextStep(const std::shared_ptr<Chain>& chain) {
  const auto& steps = chain->spec.chained().steps();
  if (chain->index == steps.size()) {
    *chain->result.mutable_output() = *chain->current;
    return chain->done(std::move(chain->result));
  }
  const auto& step = steps[chain->index];
  Task t;
  t.id = chain->job->job_id() + "-s" + std::to_string(chain->index);
  t.model = step.model();
  t.input = chain->current;
  t.pinned_nodes.assign(step.nodes().begin(), step.nodes().end());
  t.priority = chain->spec.priority();
  chain->dispatcher->Start(std::move(t), chain->job,
                           [chain](Result<TaskOutcome> outcome) {
    const auto& s = chain->spec.chained().steps(chain->index);
    if (!outcome.ok()) {
      return chain->done(outcome.status().WithContext(
          "step " + std::to_string(chain->index + 1) + " (" + s.model() +
          ")"));
    }
    auto* part = chain->result.add_parts();
    *part = MakePart(*outcome, s.model());
    part->set_step(chain->index);
    chain->current = std::make_shared<const dim::v1::Tensor>(part->output());
    ++chain->index;
    NextStep(chain);
  });
}

}  // namespace

void StartJob(const dim::v1::JobSpec& spec, Dispatcher* dispatcher,
              std::shared_ptr<JobControl> job, JobDone done) {
  switch (spec.pattern()) {
    case dim::v1::PATTERN_COLLABORATIVE:
      return StartCollaborative(spec, dispatcher, job, std::move(done));
    case dim::v1::PATTERN_COMPARATIVE:
      return StartComparative(spec, dispatcher, job, std::move(done));
    case dim::v1::PATTERN_CHAINED: {
      auto chain = std::make_shared<Chain>();
      chain->spec = spec;
      chain->dispatcher = dispatcher;
      chain->job = std::move(job);
      chain->done = std::move(done);
      chain->current = std::make_shared<const dim::v1::Tensor>(spec.input());
      return NextStep(chain);
    }
    default:
      return done(InvalidArgument("job has no pattern"));
  }
}

}  // namespace dim::orchestrator
