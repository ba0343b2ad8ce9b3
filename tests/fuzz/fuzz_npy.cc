// Fuzzes the .npy decoder (core/tensor/npy.h) as LoadTensorFile uses it:
// decode, then hold the tensor to the limits. A tensor it accepts must be
// consistent (data matching shape and dtype) and must survive a round
// trip through EncodeNpy unchanged.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/tensor/limits.h"
#include "core/tensor/npy.h"
#include "fuzz_check.h"

namespace {

using dim::fuzz::Broken;
using dim::fuzz::MustBeOk;
using dim::tensor::Tensor;

bool Same(const Tensor& a, const Tensor& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.data == b.data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  dim::Result<Tensor> t = dim::tensor::DecodeNpy(bytes);
  if (!t.ok()) {
    if (t.status().code() != dim::Code::kInvalidArgument) {
      Broken("DecodeNpy failed with another code than kInvalidArgument: " +
             t.status().message());
    }
    return 0;
  }
  MustBeOk(dim::tensor::Validate(*t), "DecodeNpy returned a bad tensor");
  // The defaults of dim.toml's [limits]; over them is a refusal, not a bug.
  if (!dim::tensor::CheckLimits(*t, dim::tensor::Limits()).ok()) return 0;

  std::string encoded = dim::tensor::EncodeNpy(*t);
  dim::Result<Tensor> again = dim::tensor::DecodeNpy(encoded);
  MustBeOk(again.status(), "EncodeNpy wrote a file DecodeNpy refuses");
  if (!Same(*t, *again)) Broken("npy round trip changed the tensor");
  return 0;
}
