// The seam between the node and whatever executes models. The only
// implementation runs TorchScript with libtorch and lives in a plugin,
// libdim_torch.so, that the node role loads at run time (engine_loader.h);
// this header and its callers stay free of torch so that client commands
// never pay libtorch's start-up.
//
// The interface crosses a shared-object boundary: it uses only types whose
// code is in headers (std::string, dim::Status, the fields of
// dim::tensor::Tensor), so both sides agree on their layout.
#pragma once

#include <string>

#include "core/tensor/tensor.h"
#include "core/util/status.h"

namespace dim::runtime {

class Engine {
 public:
  virtual ~Engine() = default;

  // Loads the model file at `path` under `model_id`, replacing a model
  // already loaded under that id. Fails with kInvalidArgument when the file
  // is not a model the engine can run; the message names the id and path.
  virtual Status Load(const std::string& model_id,
                      const std::string& path) = 0;

  // Forgets the model; calls of Forward already running finish with it.
  virtual void Unload(const std::string& model_id) = 0;

  virtual bool IsLoaded(const std::string& model_id) const = 0;

  // Runs the model on `input` and returns its single output tensor.
  // Thread-safe: many threads may run the same model at once. Fails with
  // kFailedPrecondition when the model is not loaded, kInvalidArgument when
  // the model rejects the input or returns something other than one
  // tensor, kInternal for other failures; messages name the model.
  virtual Result<tensor::Tensor> Forward(const std::string& model_id,
                                         const tensor::Tensor& input) = 0;
};

}  // namespace dim::runtime
