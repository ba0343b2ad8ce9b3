// Reading tensors from files: .npy (NumPy) or .pt/.pth (PyTorch's
// torch.save of a single tensor), chosen by extension.
#pragma once

#include <string>

#include "core/tensor/limits.h"
#include "core/tensor/tensor.h"
#include "core/util/status.h"

namespace dim::tensor {

// Errors name the path: "data/x.npy: unsupported dtype '>f4'". A missing
// file is kNotFound; a bad file kInvalidArgument; over a limit
// kResourceExhausted.
Result<Tensor> LoadTensorFile(const std::string& path, const Limits& limits);

}  // namespace dim::tensor
