// The models a node can run: the manifest models.toml of its model folder,
// and which of them the engine has loaded. Models load lazily on first use
// or eagerly through Prewarm; a model file whose SHA-256 differs from the
// manifest is never loaded.
//
// models.toml:
//   [[model]]
//   id = "risk-score"
//   file = "risk_score.pt"     # relative to the manifest
//   sha256 = "<64 hex digits>"
//   input_shape = [-1, 8]      # -1: any size in that dimension
//   input_dtype = "float32"    # optional, float32 by default
//   chunk_rows = 0             # optional; > 0 runs that many rows at a time
//   description = "..."        # optional
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/runtime/engine.h"
#include "core/tensor/tensor.h"
#include "core/util/status.h"

namespace dim::runtime {

struct ModelSpec {
  std::string id;
  // Absolute, or relative to the working directory of the process.
  std::string path;
  std::string sha256;
  std::vector<int64_t> input_shape;
  tensor::DType input_dtype = tensor::DType::kFloat32;
  // Rows per call of the engine; between calls the task checks whether it
  // was cancelled. Zero runs the whole input at once.
  int64_t chunk_rows = 0;
  std::string description;
};

// Reads a manifest. Errors are kInvalidArgument with "path:line:column";
// a missing manifest is kNotFound.
Result<std::vector<ModelSpec>> ParseModelManifest(const std::string& path);

// kInvalidArgument "model risk-score expects input [*, 8] float32, got
// [3, 5] float32" when the tensor's rank, a fixed dimension or the dtype
// differs from the spec.
Status CheckInput(const ModelSpec& model, const tensor::Tensor& input);

// Thread-safe.
class ModelStore {
 public:
  // Reads <model_dir>/models.toml; an empty model_dir gives a store with
  // no models. `engine` is not owned and must outlive the store.
  static Result<std::unique_ptr<ModelStore>> Open(const std::string& model_dir,
                                                  const std::string& node_id,
                                                  Engine* engine);

  // kNotFound "no model 'x' on node n1 (has: a, b)".
  Result<const ModelSpec*> Find(const std::string& model_id) const;

  // Loads the model unless loaded. Concurrent callers for one model wait
  // for a single load. Fails with kFailedPrecondition when the file's
  // digest differs from the manifest, or with the engine's error.
  Status EnsureLoaded(const std::string& model_id);

  bool IsLoaded(const std::string& model_id) const;

  // In manifest order.
  const std::vector<ModelSpec>& models() const { return models_; }

 private:
  ModelStore(std::string node_id, std::vector<ModelSpec> models,
             Engine* engine);

  Status Load(const ModelSpec& model);

  const std::string node_id_;
  const std::vector<ModelSpec> models_;
  Engine* const engine_;
  // One lock per model, so that loading one does not hold up the others.
  // The map is built once and never changes.
  std::map<std::string, std::unique_ptr<std::mutex>> load_locks_;
};

}  // namespace dim::runtime
