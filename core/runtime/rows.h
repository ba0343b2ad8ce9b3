// Operations along the first dimension of a tensor, its rows: splitting an
// input into chunks, joining the chunks' outputs, and the mean over rows
// that lets a node send a summary instead of its rows.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor/tensor.h"
#include "core/util/status.h"

namespace dim::runtime {

// shape[0], or 1 for a scalar.
int64_t RowCount(const tensor::Tensor& t);

// Rows [begin, end) of a valid tensor of rank >= 1; 0 <= begin <= end <=
// RowCount(t).
tensor::Tensor SliceRows(const tensor::Tensor& t, int64_t begin, int64_t end);

// kInvalidArgument when the parts differ in dtype or in any dimension but
// the first, or have rank 0.
Result<tensor::Tensor> ConcatRows(const std::vector<tensor::Tensor>& parts);

// The mean over dimension 0: shape [n, a, b] gives [a, b]. float32 stays
// float32; every other dtype gives float64. kInvalidArgument for a scalar
// or zero rows.
Result<tensor::Tensor> MeanRows(const tensor::Tensor& t);

}  // namespace dim::runtime
