#include "core/orchestrator/consensus.h"

#include <cmath>
#include <cstddef>

namespace dim::orchestrator {
namespace {

using tensor::Tensor;

// Scores of every model, read once as doubles: at(m, r, c).
struct ScoreTable {
  size_t models = 0;
  size_t rows = 0;
  size_t classes = 0;
  std::vector<std::vector<double>> values;

  double at(size_t m, size_t r, size_t c) const {
    return values[m][r * classes + c];
  }
};

Status CheckShape(const std::string& model, const Tensor& output) {
  DIM_RETURN_IF_ERROR(tensor::Validate(output).WithContext("model " + model));
  const size_t rank = output.shape.size();
  if (rank != 1 && rank != 2) {
    return InvalidArgument("model " + model + " returned " +
                           output.ShapeString() +
                           ", expected class scores [rows, classes] or "
                           "[classes]");
  }
  if (output.shape.back() == 0) {
    return InvalidArgument("model " + model + " returned " +
                           output.ShapeString() + ", which has no classes");
  }
  return Status::Ok();
}

Status CheckInputs(const std::vector<std::string>& models,
                   const std::vector<Tensor>& outputs) {
  if (models.empty()) return InvalidArgument("no model outputs to reconcile");
  if (models.size() != outputs.size()) {
    return InvalidArgument(std::to_string(models.size()) + " models but " +
                           std::to_string(outputs.size()) + " outputs");
  }
  for (size_t m = 0; m < models.size(); ++m) {
    DIM_RETURN_IF_ERROR(CheckShape(models[m], outputs[m]));
    if (outputs[m].shape == outputs[0].shape) continue;
    return InvalidArgument("model " + models[m] + " returned " +
                           outputs[m].ShapeString() + ", expected " +
                           outputs[0].ShapeString() + " like model " +
                           models[0]);
  }
  return Status::Ok();
}

Status CheckWeights(const std::vector<std::string>& models,
                    const std::vector<double>& weights) {
  if (weights.size() != models.size()) {
    return InvalidArgument("weighted vote needs one weight per model: " +
                           std::to_string(models.size()) + " models, " +
                           std::to_string(weights.size()) + " weights");
  }
  for (size_t m = 0; m < models.size(); ++m) {
    if (std::isfinite(weights[m]) && weights[m] > 0) continue;
    return InvalidArgument("model " + models[m] + " has weight " +
                           std::to_string(weights[m]) +
                           "; weights must be greater than 0");
  }
  return Status::Ok();
}

ScoreTable ReadScores(const std::vector<Tensor>& outputs) {
  ScoreTable table;
  const std::vector<int64_t>& shape = outputs.front().shape;
  table.models = outputs.size();
  table.rows = shape.size() == 2 ? static_cast<size_t>(shape[0]) : 1;
  table.classes = static_cast<size_t>(shape.back());
  for (const Tensor& output : outputs) {
    table.values.push_back(output.ToDoubles());
  }
  return table;
}

// Lowest index wins a tie, so the result does not depend on luck.
size_t ArgMax(const std::vector<double>& values) {
  size_t best = 0;
  for (size_t c = 1; c < values.size(); ++c) {
    if (values[c] > values[best]) best = c;
  }
  return best;
}

std::vector<double> ModelRow(const ScoreTable& t, size_t m, size_t r) {
  const auto width = static_cast<ptrdiff_t>(t.classes);
  const auto begin = t.values[m].begin() + static_cast<ptrdiff_t>(r) * width;
  return std::vector<double>(begin, begin + width);
}

std::vector<double> MeanRow(const ScoreTable& t, size_t r) {
  std::vector<double> mean(t.classes, 0.0);
  for (size_t m = 0; m < t.models; ++m) {
    for (size_t c = 0; c < t.classes; ++c) mean[c] += t.at(m, r, c);
  }
  for (double& v : mean) v /= static_cast<double>(t.models);
  return mean;
}

struct RowDecision {
  size_t winner = 0;
  double agreement = 0.0;
};

// Each model's top class gets the model's weight; the heaviest class wins,
// and among classes tied in weight the one the models scored highest on
// average, then the lowest index.
RowDecision Vote(const ScoreTable& t, size_t r,
                 const std::vector<double>& weights) {
  std::vector<double> tally(t.classes, 0.0);
  double total = 0.0;
  for (size_t m = 0; m < t.models; ++m) {
    tally[ArgMax(ModelRow(t, m, r))] += weights[m];
    total += weights[m];
  }

  const double best = tally[ArgMax(tally)];
  const double tolerance = 1e-9 * total;
  const std::vector<double> mean = MeanRow(t, r);
  size_t winner = t.classes;
  for (size_t c = 0; c < t.classes; ++c) {
    if (tally[c] < best - tolerance) continue;
    if (winner == t.classes || mean[c] > mean[winner]) winner = c;
  }
  return {winner, tally[winner] / total};
}

void Record(ConsensusResult* result, size_t r, const RowDecision& d) {
  result->classes.push_back(static_cast<int64_t>(d.winner));
  result->agreement.push_back(d.agreement);
  if (d.agreement < 1.0) {
    result->disagreements.push_back(static_cast<int64_t>(r));
  }
}

ConsensusResult ReconcileByVote(const ScoreTable& t,
                                const std::vector<double>& weights) {
  ConsensusResult result;
  for (size_t r = 0; r < t.rows; ++r) Record(&result, r, Vote(t, r, weights));
  result.output = Tensor::FromInt64s(
      {static_cast<int64_t>(t.rows)}, result.classes);
  return result;
}

ConsensusResult ReconcileByMean(const ScoreTable& t) {
  ConsensusResult result;
  std::vector<float> means;
  for (size_t r = 0; r < t.rows; ++r) {
    const std::vector<double> mean = MeanRow(t, r);
    means.insert(means.end(), mean.begin(), mean.end());

    RowDecision d{ArgMax(mean), 0.0};
    for (size_t m = 0; m < t.models; ++m) {
      if (ArgMax(ModelRow(t, m, r)) == d.winner) d.agreement += 1.0;
    }
    d.agreement /= static_cast<double>(t.models);
    Record(&result, r, d);
  }
  result.output = Tensor::FromFloats(
      {static_cast<int64_t>(t.rows), static_cast<int64_t>(t.classes)},
      means);
  return result;
}

double Mean(const std::vector<double>& values) {
  if (values.empty()) return 1.0;
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

std::string RuleName(dim::v1::Consensus rule) {
  const std::string& name = dim::v1::Consensus_Name(rule);
  return name.empty() ? std::to_string(static_cast<int>(rule)) : name;
}

}  // namespace

Result<ConsensusResult> Reconcile(dim::v1::Consensus rule,
                                  const std::vector<std::string>& models,
                                  const std::vector<Tensor>& outputs,
                                  const std::vector<double>& weights) {
  DIM_RETURN_IF_ERROR(CheckInputs(models, outputs));
  const ScoreTable table = ReadScores(outputs);

  ConsensusResult result;
  switch (rule) {
    case dim::v1::CONSENSUS_MAJORITY_VOTE:
      result = ReconcileByVote(table, std::vector<double>(models.size(), 1.0));
      break;
    case dim::v1::CONSENSUS_WEIGHTED_VOTE:
      DIM_RETURN_IF_ERROR(CheckWeights(models, weights));
      result = ReconcileByVote(table, weights);
      break;
    case dim::v1::CONSENSUS_MEAN_PROBABILITY:
      result = ReconcileByMean(table);
      break;
    default:
      return InvalidArgument("consensus rule " + RuleName(rule) +
                             " is not one of majority_vote, weighted_vote, "
                             "mean_probability");
  }
  result.mean_agreement = Mean(result.agreement);
  return result;
}

}  // namespace dim::orchestrator
