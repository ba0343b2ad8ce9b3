// Conversion between Tensor and its wire form, dim.v1.Tensor. Everything
// that arrives from the network passes through FromProto, which checks it
// before any other code trusts its shape.
#pragma once

#include "core/tensor/limits.h"
#include "core/tensor/tensor.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::tensor {

dim::v1::DType ToWireDType(DType dtype);
// kInvalidArgument for DTYPE_UNSPECIFIED or a value this build does not
// know.
Status FromWireDType(dim::v1::DType wire, DType* out);

// Copies t into *out, replacing what was there. t is expected to be valid.
void ToProto(const Tensor& t, dim::v1::Tensor* out);

// Fails with kInvalidArgument for DTYPE_UNSPECIFIED or an unknown dtype, a
// negative dimension, or data whose size does not match shape and dtype
// (the message gives both sizes); kResourceExhausted when over limits.
Result<Tensor> FromProto(const dim::v1::Tensor& proto, const Limits& limits);

}  // namespace dim::tensor
