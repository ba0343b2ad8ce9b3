// Reconciles the outputs of a comparative job: several classifiers scored
// the same input, and a consensus rule decides one class per row and says
// how strongly the models agreed. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor/tensor.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

struct ConsensusResult {
  // int64 [n] winning classes for the vote rules; float32 [n, C] mean
  // scores for MEAN_PROBABILITY.
  tensor::Tensor output;
  // The decided class of each row.
  std::vector<int64_t> classes;
  // Per row, in [0, 1]: the share of models (of weight, for
  // WEIGHTED_VOTE) whose own top class is the decided class.
  std::vector<double> agreement;
  // Mean of `agreement`; 1 when there are no rows.
  double mean_agreement = 1.0;
  // Rows where at least one model's top class differs from the decision.
  std::vector<int64_t> disagreements;
};

// Every element of `outputs` holds class scores from the model of the same
// index in `models`: [n, C] for n rows, or [C] for a single row. All must
// have the same shape, with C > 0. A model's vote in a row is its highest
// score, the lowest class index winning a tie.
// - CONSENSUS_MAJORITY_VOTE: the class with most votes; a tie in votes goes
//   to the tied class with the highest mean score, then the lowest index.
// - CONSENSUS_WEIGHTED_VOTE: as majority, but a vote counts its model's
//   weight; `weights` has one entry per model, each finite and > 0. Vote
//   totals within a relative 1e-9 of each other count as tied, so that
//   rounding in the sums does not decide the winner.
// - CONSENSUS_MEAN_PROBABILITY: the elementwise mean of the scores, and the
//   class with the highest mean.
// `weights` is ignored by the rules other than WEIGHTED_VOTE.
//
// Fails with INVALID_ARGUMENT on an unspecified rule, no models, counts of
// models, outputs or weights that differ, a malformed tensor, or a shape
// that differs from the first model's (the message names both models).
Result<ConsensusResult> Reconcile(dim::v1::Consensus rule,
                                  const std::vector<std::string>& models,
                                  const std::vector<tensor::Tensor>& outputs,
                                  const std::vector<double>& weights);

}  // namespace dim::orchestrator
