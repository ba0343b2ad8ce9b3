// Reading a single tensor saved by Python's torch.save (the zip format,
// PyTorch 1.6 and later) or libtorch's torch::pickle_save, without
// libtorch. The archive holds <prefix>/data.pkl, a pickle that rebuilds the
// tensor from a storage, and <prefix>/data/<key>, the storage's raw bytes.
#pragma once

#include <string_view>

#include "core/tensor/limits.h"
#include "core/tensor/tensor.h"
#include "core/util/status.h"

namespace dim::tensor {

// Decodes the archive in bytes into a row-major tensor, honouring the
// saved storage offset and strides. Fails with kInvalidArgument when the
// bytes are not such an archive or hold something other than one dense
// CPU-layout tensor of a supported dtype (the message names the pickle
// opcode, global or zip entry involved), and with kResourceExhausted when
// the tensor is over limits, checked before its elements are copied.
Result<Tensor> DecodeTorchSave(std::string_view bytes,
                               const Limits& limits = Limits());

}  // namespace dim::tensor
