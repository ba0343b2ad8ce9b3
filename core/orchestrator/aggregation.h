// Combines the outputs of a collaborative job: one model ran on several
// nodes, each over the dataset it holds, and the pieces become one tensor.
// Pure functions of their arguments; safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor/tensor.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

// What one node sent back for its share of a collaborative job.
struct NodeOutput {
  std::string node_id;
  std::string dataset;
  tensor::Tensor output;
  // Rows of the dataset the node ran over; the weight of WEIGHTED_MEAN.
  int64_t samples = 0;
};

// Combines `parts` by `rule`:
// - AGGREGATION_MEAN: every output is a per-node summary (the node already
//   averaged over its rows) and all have one shape; the result is their
//   elementwise mean, each node counting once.
// - AGGREGATION_WEIGHTED_MEAN: like MEAN, but node i counts samples_i
//   times: sum(samples_i * output_i) / sum(samples_i).
// - AGGREGATION_CONCAT: outputs are full per-row results; they are joined
//   along dimension 0 in the order of `parts`, so all dimensions after the
//   first must match.
// Arithmetic is done in double precision. The result is float64 when any
// input is float64 and float32 otherwise.
//
// Fails with INVALID_ARGUMENT when there are no parts, the rule is
// unspecified, a tensor is malformed, shapes disagree (the message names
// the node and dataset at fault and the node it was compared with), or
// WEIGHTED_MEAN has a negative or all-zero sample count.
Result<tensor::Tensor> Aggregate(dim::v1::Aggregation rule,
                                 const std::vector<NodeOutput>& parts);

}  // namespace dim::orchestrator
