#include "core/orchestrator/shape_check.h"

#include <string>

namespace dim::orchestrator {
namespace {

std::string DTypeText(dim::v1::DType dtype) {
  std::string name = dim::v1::DType_Name(dtype);
  const std::string prefix = "DTYPE_";
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  return name;
}

template <typename Dims>
std::string ShapeText(const Dims& dims) {
  std::string out = "[";
  for (int i = 0; i < dims.size(); ++i) {
    if (i > 0) out += ", ";
    out += dims[i] < 0 ? "*" : std::to_string(dims[i]);
  }
  return out + "]";
}

template <typename Dims>
bool Fits(const dim::v1::ModelInfo& model, const Dims& shape,
          dim::v1::DType dtype) {
  if (model.input_dtype() != dim::v1::DTYPE_UNSPECIFIED &&
      model.input_dtype() != dtype) {
    return false;
  }
  if (model.input_shape().empty()) return true;
  if (model.input_shape().size() != shape.size()) return false;
  for (int i = 0; i < shape.size(); ++i) {
    int64_t want = model.input_shape(i);
    if (want >= 0 && want != shape[i]) return false;
  }
  return true;
}

template <typename Dims>
Status Mismatch(const dim::v1::ModelInfo& model, const std::string& what,
                const Dims& shape, dim::v1::DType dtype) {
  return InvalidArgument("model " + model.id() + " expects input " +
                         ShapeText(model.input_shape()) + " " +
                         DTypeText(model.input_dtype()) + ", " + what +
                         " is " + ShapeText(shape) + " " + DTypeText(dtype));
}

}  // namespace

Status CheckInput(const dim::v1::ModelInfo& model,
                  const dim::v1::Tensor& input) {
  if (Fits(model, input.shape(), input.dtype())) return Status::Ok();
  return Mismatch(model, "the job's input", input.shape(), input.dtype());
}

Status CheckDataset(const dim::v1::ModelInfo& model,
                    const dim::v1::DatasetInfo& dataset) {
  if (Fits(model, dataset.shape(), dataset.dtype())) return Status::Ok();
  return Mismatch(model, "dataset " + dataset.name(), dataset.shape(),
                  dataset.dtype());
}

}  // namespace dim::orchestrator
