#include "core/orchestrator/aggregation.h"

#include <cstddef>
#include <utility>

namespace dim::orchestrator {
namespace {

using tensor::DType;
using tensor::Tensor;

std::string Describe(const NodeOutput& part) {
  return "node " + part.node_id + " (dataset " + part.dataset + ")";
}

Status CheckWellFormed(const std::vector<NodeOutput>& parts) {
  if (parts.empty()) {
    return InvalidArgument("no node outputs to aggregate");
  }
  for (const NodeOutput& part : parts) {
    Status status = tensor::Validate(part.output);
    if (!status.ok()) return status.WithContext(Describe(part));
  }
  return Status::Ok();
}

Status CheckSameShape(const std::vector<NodeOutput>& parts) {
  const NodeOutput& first = parts.front();
  for (const NodeOutput& part : parts) {
    if (part.output.shape == first.output.shape) continue;
    return InvalidArgument(Describe(part) + " returned " +
                           part.output.ShapeString() + ", expected " +
                           first.output.ShapeString() + " like node " +
                           first.node_id);
  }
  return Status::Ok();
}

// CONCAT joins along dimension 0, so only the dimensions after it must
// agree.
Status CheckSameTrailingShape(const std::vector<NodeOutput>& parts) {
  for (const NodeOutput& part : parts) {
    if (part.output.shape.empty()) {
      return InvalidArgument(Describe(part) +
                             " returned a scalar, which has no dimension 0 "
                             "to concatenate along");
    }
  }
  const NodeOutput& first = parts.front();
  const std::vector<int64_t> expected(first.output.shape.begin() + 1,
                                      first.output.shape.end());
  for (const NodeOutput& part : parts) {
    const std::vector<int64_t> trailing(part.output.shape.begin() + 1,
                                        part.output.shape.end());
    if (trailing == expected) continue;
    Tensor want;
    want.shape = first.output.shape;
    want.shape[0] = part.output.shape[0];
    return InvalidArgument(Describe(part) + " returned " +
                           part.output.ShapeString() + ", expected " +
                           want.ShapeString() + " like node " +
                           first.node_id + " (all dimensions after the "
                           "first must match to concatenate)");
  }
  return Status::Ok();
}

// Float64 survives only when some node produced it; everything else
// (including integer outputs) is reported as float32.
Tensor Package(const std::vector<NodeOutput>& parts,
               std::vector<int64_t> shape,
               const std::vector<double>& values) {
  for (const NodeOutput& part : parts) {
    if (part.output.dtype == DType::kFloat64) {
      return Tensor::FromDoubles(std::move(shape), values);
    }
  }
  return Tensor::FromFloats(std::move(shape),
                            std::vector<float>(values.begin(), values.end()));
}

// Shared by MEAN and WEIGHTED_MEAN: sum(weight_i * out_i) / sum(weight_i).
Tensor WeightedMean(const std::vector<NodeOutput>& parts,
                    const std::vector<double>& weights) {
  const auto size = static_cast<size_t>(parts.front().output.NumElements());
  std::vector<double> sum(size, 0.0);
  double total = 0.0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::vector<double> values = parts[i].output.ToDoubles();
    for (size_t k = 0; k < size; ++k) sum[k] += weights[i] * values[k];
    total += weights[i];
  }

  for (double& v : sum) v /= total;
  return Package(parts, parts.front().output.shape, sum);
}

Result<Tensor> SampleWeightedMean(const std::vector<NodeOutput>& parts) {
  std::vector<double> weights;
  double total = 0.0;
  for (const NodeOutput& part : parts) {
    if (part.samples < 0) {
      return InvalidArgument(Describe(part) + " reported " +
                             std::to_string(part.samples) +
                             " samples; a sample count cannot be negative");
    }
    weights.push_back(static_cast<double>(part.samples));
    total += weights.back();
  }
  if (total == 0.0) {
    return InvalidArgument(
        "weighted mean needs samples, but every node reported 0");
  }
  return WeightedMean(parts, weights);
}

Tensor Concat(const std::vector<NodeOutput>& parts) {
  std::vector<int64_t> shape = parts.front().output.shape;
  shape[0] = 0;
  std::vector<double> values;
  for (const NodeOutput& part : parts) {
    shape[0] += part.output.shape[0];
    const std::vector<double> rows = part.output.ToDoubles();
    values.insert(values.end(), rows.begin(), rows.end());
  }
  return Package(parts, std::move(shape), values);
}

std::string RuleName(dim::v1::Aggregation rule) {
  const std::string& name = dim::v1::Aggregation_Name(rule);
  return name.empty() ? std::to_string(static_cast<int>(rule)) : name;
}

}  // namespace

Result<Tensor> Aggregate(dim::v1::Aggregation rule,
                         const std::vector<NodeOutput>& parts) {
  DIM_RETURN_IF_ERROR(CheckWellFormed(parts));

  switch (rule) {
    case dim::v1::AGGREGATION_MEAN:
      DIM_RETURN_IF_ERROR(CheckSameShape(parts));
      return WeightedMean(parts, std::vector<double>(parts.size(), 1.0));
    case dim::v1::AGGREGATION_WEIGHTED_MEAN:
      DIM_RETURN_IF_ERROR(CheckSameShape(parts));
      return SampleWeightedMean(parts);
    case dim::v1::AGGREGATION_CONCAT:
      DIM_RETURN_IF_ERROR(CheckSameTrailingShape(parts));
      return Concat(parts);
    default:
      return InvalidArgument("aggregation rule " + RuleName(rule) +
                             " is not one of mean, weighted_mean, concat");
  }
}

}  // namespace dim::orchestrator
