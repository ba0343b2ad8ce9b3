// NumPy's .npy format (versions 1.0, 2.0 and 3.0), little-endian, C order.
#pragma once

#include <string>
#include <string_view>

#include "core/tensor/tensor.h"
#include "core/util/status.h"

namespace dim::tensor {

// Fails with kInvalidArgument naming what is wrong (bad magic, unsupported
// dtype descr such as '>f4', Fortran order, truncated data).
Result<Tensor> DecodeNpy(std::string_view bytes);
std::string EncodeNpy(const Tensor& t);

}  // namespace dim::tensor
