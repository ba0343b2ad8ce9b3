#include "core/orchestrator/shape_check.h"

#include <string>
#include <vector>

#include "core/tensor/signature.h"
#include "core/tensor/wire.h"

namespace dim::orchestrator {
namespace {

tensor::Signature SignatureOf(const dim::v1::ModelInfo& model) {
  tensor::Signature want;
  tensor::DType dtype;
  if (tensor::FromWireDType(model.input_dtype(), &dtype).ok()) {
    want.dtype = dtype;
  }
  want.shape.assign(model.input_shape().begin(), model.input_shape().end());
  return want;
}

template <typename Dims>
Status Check(const dim::v1::ModelInfo& model, dim::v1::DType wire_dtype,
             const Dims& dims, const std::string& what) {
  tensor::DType dtype;
  DIM_RETURN_IF_ERROR(tensor::FromWireDType(wire_dtype, &dtype)
                          .WithContext(what));
  std::vector<int64_t> shape(dims.begin(), dims.end());
  return tensor::CheckSignature(model.id(), SignatureOf(model), dtype, shape,
                                what + " is");
}

}  // namespace

Status CheckInput(const dim::v1::ModelInfo& model,
                  const dim::v1::Tensor& input) {
  return Check(model, input.dtype(), input.shape(), "the job's input");
}

Status CheckDataset(const dim::v1::ModelInfo& model,
                    const dim::v1::DatasetInfo& dataset) {
  return Check(model, dataset.dtype(), dataset.shape(),
               "dataset " + dataset.name());
}

}  // namespace dim::orchestrator
