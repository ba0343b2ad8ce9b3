// Checks, before a job is accepted, that its input fits the models it
// names, using what nodes advertise about each model. A model that does
// not declare an input shape accepts anything.
#pragma once

#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

// kInvalidArgument: "model diag-a expects input [*, 16] float32, got
// [3, 5] float32".
Status CheckInput(const dim::v1::ModelInfo& model,
                  const dim::v1::Tensor& input);
Status CheckDataset(const dim::v1::ModelInfo& model,
                    const dim::v1::DatasetInfo& dataset);

}  // namespace dim::orchestrator
