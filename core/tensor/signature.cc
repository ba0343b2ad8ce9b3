#include "core/tensor/signature.h"

namespace dim::tensor {
namespace {

bool Fits(const Signature& want, DType dtype,
          const std::vector<int64_t>& shape) {
  if (want.dtype && *want.dtype != dtype) return false;
  if (want.shape.empty()) return true;
  if (want.shape.size() != shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (want.shape[i] >= 0 && want.shape[i] != shape[i]) return false;
  }
  return true;
}

}  // namespace

std::string ShapePattern(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += shape[i] < 0 ? "*" : std::to_string(shape[i]);
  }
  return text + "]";
}

Status CheckSignature(const std::string& model, const Signature& want,
                      DType dtype, const std::vector<int64_t>& shape,
                      const std::string& what) {
  if (Fits(want, dtype, shape)) return Status::Ok();
  std::string wanted = want.shape.empty() ? "of any shape"
                                          : ShapePattern(want.shape);
  if (want.dtype) wanted += std::string(" ") + DTypeName(*want.dtype);
  return InvalidArgument("model " + model + " expects input " + wanted +
                         ", " + what + " " + ShapePattern(shape) + " " +
                         DTypeName(dtype));
}

}  // namespace dim::tensor
