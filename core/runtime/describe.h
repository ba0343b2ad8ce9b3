// What a node's folders offer, described as a heartbeat would describe
// them, without starting a node or loading libtorch: for announcing a
// node that another tool runs (`dimctl register`).
#pragma once

#include <string>

#include "core/runtime/model_store.h"
#include "core/tensor/limits.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::runtime {

dim::v1::ModelInfo ToModelInfo(const ModelSpec& spec, bool loaded);

// The models of <model_dir>/models.toml and the datasets of
// <dataset_dir>/datasets.toml (either may be empty: none). Errors are
// those of the manifests and data files, with their paths.
Result<dim::v1::NodeStatus> DescribeFolders(const std::string& model_dir,
                                            const std::string& dataset_dir,
                                            const tensor::Limits& limits);

}  // namespace dim::runtime
