// The datasets a node holds: the manifest datasets.toml of its dataset
// folder, read once at start-up. Their rows never leave the node; tasks
// name a dataset instead of sending an input.
//
// datasets.toml:
//   [[dataset]]
//   name = "ward-a"
//   file = "ward_a.npy"   # .npy or .pt, relative to the manifest
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor/limits.h"
#include "core/tensor/tensor.h"
#include "core/util/status.h"

namespace dim::runtime {

struct Dataset {
  std::string name;
  std::string path;
  tensor::Tensor rows;
  // shape[0], or 1 for a scalar.
  int64_t samples = 0;
};

// Immutable after Open, so safe to read from any thread.
class DatasetStore {
 public:
  // Reads <dataset_dir>/datasets.toml and every file it names; an empty
  // dataset_dir holds nothing. Errors carry "path:line:column" for the
  // manifest, or the data file's path.
  static Result<std::unique_ptr<DatasetStore>> Open(
      const std::string& dataset_dir, const std::string& node_id,
      const tensor::Limits& limits);

  // kNotFound "node n1 holds no dataset 'ward-b' (holds: ward-a)".
  Result<const Dataset*> Find(const std::string& name) const;

  // In manifest order.
  const std::vector<Dataset>& datasets() const { return datasets_; }

 private:
  DatasetStore(std::string node_id, std::vector<Dataset> datasets)
      : node_id_(std::move(node_id)), datasets_(std::move(datasets)) {}

  const std::string node_id_;
  const std::vector<Dataset> datasets_;
};

}  // namespace dim::runtime
