#include "core/tensor/wire.h"

#include <string>

namespace dim::tensor {

dim::v1::DType ToWireDType(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return dim::v1::DTYPE_FLOAT32;
    case DType::kFloat64: return dim::v1::DTYPE_FLOAT64;
    case DType::kInt32: return dim::v1::DTYPE_INT32;
    case DType::kInt64: return dim::v1::DTYPE_INT64;
    case DType::kUInt8: return dim::v1::DTYPE_UINT8;
    case DType::kBool: return dim::v1::DTYPE_BOOL;
  }
  return dim::v1::DTYPE_UNSPECIFIED;
}

Status FromWireDType(dim::v1::DType wire, DType* out) {
  switch (wire) {
    case dim::v1::DTYPE_FLOAT32: *out = DType::kFloat32; break;
    case dim::v1::DTYPE_FLOAT64: *out = DType::kFloat64; break;
    case dim::v1::DTYPE_INT32: *out = DType::kInt32; break;
    case dim::v1::DTYPE_INT64: *out = DType::kInt64; break;
    case dim::v1::DTYPE_UINT8: *out = DType::kUInt8; break;
    case dim::v1::DTYPE_BOOL: *out = DType::kBool; break;
    case dim::v1::DTYPE_UNSPECIFIED:
      return InvalidArgument("tensor dtype is unspecified");
    default:
      return InvalidArgument("tensor dtype " + std::to_string(wire) +
                             " is unknown to this version");
  }
  return Status::Ok();
}

void ToProto(const Tensor& t, dim::v1::Tensor* out) {
  out->Clear();
  out->set_dtype(ToWireDType(t.dtype));
  out->mutable_shape()->Reserve(static_cast<int>(t.shape.size()));
  for (int64_t d : t.shape) out->add_shape(d);
  out->set_data(t.data);
}

Result<Tensor> FromProto(const dim::v1::Tensor& proto, const Limits& limits) {
  Tensor t;
  DIM_RETURN_IF_ERROR(FromWireDType(proto.dtype(), &t.dtype));
  t.shape.assign(proto.shape().begin(), proto.shape().end());

  // Shape and limits are checked before the data is copied, so that an
  // oversized message costs no more memory than it already holds.
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (t.shape[i] < 0) {
      return InvalidArgument("tensor shape " + t.ShapeString() +
                             " has negative dimension " + std::to_string(i));
    }
  }
  DIM_RETURN_IF_ERROR(CheckLimits(t, limits));
  size_t expected = static_cast<size_t>(t.NumElements()) *
                    ElementSize(t.dtype);
  if (proto.data().size() != expected) {
    return InvalidArgument("tensor data is " +
                           std::to_string(proto.data().size()) +
                           " bytes but shape " + t.ShapeString() + " of " +
                           DTypeName(t.dtype) + " needs " +
                           std::to_string(expected) + " bytes");
  }
  t.data = proto.data();
  return t;
}

}  // namespace dim::tensor
