// Bounds on tensors that arrive from files and from the wire, so that one
// bad input cannot exhaust a server's memory.
#pragma once

#include <cstdint>

#include "core/tensor/tensor.h"
#include "core/util/status.h"

namespace dim::tensor {

struct Limits {
  int64_t max_bytes = 64ll << 20;
  int max_rank = 8;
  int64_t max_elements = 16ll << 20;
};

// Fails with kResourceExhausted when t is over a limit; the message says
// which limit, the value and the configuration key that raises it.
Status CheckLimits(const Tensor& t, const Limits& limits);

}  // namespace dim::tensor
