#include <limits>
#include <string>
#include <vector>

#include "core/job/job.h"
#include "core/job/job_rules.h"
#include "core/tensor/wire.h"

namespace dim::job {
namespace {

using google::protobuf::RepeatedPtrField;

Status FieldError(const std::string& field, const std::string& message) {
  return InvalidArgument(field + ": " + message);
}

Status CheckIds(const std::string& field,
                const RepeatedPtrField<std::string>& ids, const char* noun,
                int64_t lo, int64_t hi, const JobLimits& limits) {
  std::vector<std::string> list(ids.begin(), ids.end());
  rules::Problem problem = rules::CheckIds(
      list, noun, lo, hi, static_cast<size_t>(limits.max_id_length));
  if (problem.ok()) return Status::Ok();
  return FieldError(field, problem.message);
}

Status CheckModel(const std::string& field, const std::string& model,
                  const JobLimits& limits) {
  std::string problem = rules::CheckId(
      model, "model", static_cast<size_t>(limits.max_id_length));
  return problem.empty() ? Status::Ok() : FieldError(field, problem);
}

Status CheckInput(const dim::v1::JobSpec& spec) {
  const char* pattern = rules::PatternName(spec.pattern());
  if (spec.pattern() == dim::v1::PATTERN_COLLABORATIVE) {
    if (!spec.has_input()) return Status::Ok();
    return FieldError("input", rules::kNoInputForCollaborative);
  }
  if (!spec.has_input()) {
    return FieldError("input", std::string("required for pattern ") + pattern);
  }

  // Size limits are the receiver's business; only consistency is checked.
  tensor::Limits unbounded;
  unbounded.max_bytes = std::numeric_limits<int64_t>::max();
  unbounded.max_rank = std::numeric_limits<int>::max();
  unbounded.max_elements = std::numeric_limits<int64_t>::max();
  Result<tensor::Tensor> t = tensor::FromProto(spec.input(), unbounded);
  if (!t.ok()) return FieldError("input", t.status().message());
  return Status::Ok();
}

Status CheckCollaborative(const dim::v1::CollaborativeSpec& c,
                          const JobLimits& limits) {
  DIM_RETURN_IF_ERROR(CheckModel("collaborative.model", c.model(), limits));
  DIM_RETURN_IF_ERROR(CheckIds("collaborative.datasets", c.datasets(),
                               "dataset", 1, limits.max_datasets, limits));
  if (c.aggregation() == dim::v1::AGGREGATION_UNSPECIFIED) {
    return FieldError("collaborative.aggregation",
                      "expected mean, weighted_mean or concat");
  }
  return Status::Ok();
}

Status CheckComparative(const dim::v1::ComparativeSpec& c,
                        const JobLimits& limits) {
  DIM_RETURN_IF_ERROR(CheckIds("comparative.models", c.models(), "model", 2,
                               limits.max_models, limits));
  if (c.consensus() == dim::v1::CONSENSUS_UNSPECIFIED) {
    return FieldError("comparative.consensus",
                      "expected majority_vote, weighted_vote or "
                      "mean_probability");
  }

  bool weighted = c.consensus() == dim::v1::CONSENSUS_WEIGHTED_VOTE;
  if (!weighted && c.weights_size() > 0) {
    return FieldError("comparative.weights",
                      "weights apply only to consensus weighted_vote");
  }
  if (!weighted) return Status::Ok();
  std::vector<double> weights(c.weights().begin(), c.weights().end());
  rules::Problem problem =
      rules::CheckWeights(weights, static_cast<size_t>(c.models_size()));
  if (problem.ok()) return Status::Ok();
  return FieldError("comparative.weights", problem.message);
}

Status CheckChained(const dim::v1::ChainedSpec& c, const JobLimits& limits) {
  std::string count =
      rules::CheckCount(c.steps_size(), "step", 1, limits.max_steps);
  if (!count.empty()) return FieldError("chained.steps", count);

  for (int i = 0; i < c.steps_size(); ++i) {
    std::string field = "chained.steps[" + std::to_string(i) + "]";
    const dim::v1::ChainStep& step = c.steps(i);
    DIM_RETURN_IF_ERROR(CheckModel(field + ".model", step.model(), limits));
    DIM_RETURN_IF_ERROR(CheckIds(field + ".nodes", step.nodes(), "node", 0,
                                 std::numeric_limits<int64_t>::max(),
                                 limits));
  }
  return Status::Ok();
}

// The detail must be the one the pattern names.
Status CheckDetail(const dim::v1::JobSpec& spec, const JobLimits& limits) {
  using Spec = dim::v1::JobSpec;
  const char* pattern = rules::PatternName(spec.pattern());
  Spec::DetailCase expected =
      spec.pattern() == dim::v1::PATTERN_COLLABORATIVE ? Spec::kCollaborative
      : spec.pattern() == dim::v1::PATTERN_COMPARATIVE ? Spec::kComparative
                                                       : Spec::kChained;
  if (spec.detail_case() != expected) {
    return FieldError(pattern,
                      std::string("required for pattern ") + pattern);
  }

  switch (expected) {
    case Spec::kCollaborative:
      return CheckCollaborative(spec.collaborative(), limits);
    case Spec::kComparative:
      return CheckComparative(spec.comparative(), limits);
    default:
      return CheckChained(spec.chained(), limits);
  }
}

}  // namespace

Status ValidateJobSpec(const dim::v1::JobSpec& spec, const JobLimits& limits) {
  std::string problem = rules::CheckName(spec.name());
  if (!problem.empty()) return FieldError("name", problem);
  if (rules::PatternName(spec.pattern())[0] == '\0') {
    return FieldError("pattern", "expected collaborative, comparative or "
                                 "chained");
  }
  problem = rules::CheckPriority(spec.priority());
  if (!problem.empty()) return FieldError("priority", problem);

  int64_t timeout = spec.timeout_ms();
  bool timeout_ok = timeout == 0 || (timeout >= rules::kMinTimeoutMs &&
                                     timeout <= rules::kMaxTimeoutMs);
  if (!timeout_ok) {
    return FieldError("timeout_ms",
                      "expected 0 (the server's default) or " +
                          rules::TimeoutRange() + ", got " +
                          std::to_string(timeout) + "ms");
  }

  DIM_RETURN_IF_ERROR(CheckInput(spec));
  return CheckDetail(spec, limits);
}

}  // namespace dim::job
