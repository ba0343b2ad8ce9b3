// What a model takes as input: an element type and a shape in which a
// negative size stands for "any size". The orchestrator checks a job's
// input against it before accepting the job, and the node checks each
// task's input before running it, with the same rule and the same words.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/tensor/tensor.h"
#include "core/util/status.h"

namespace dim::tensor {

struct Signature {
  std::optional<DType> dtype;  // none: any element type
  std::vector<int64_t> shape;  // empty: any shape
};

// "[*, 8]"
std::string ShapePattern(const std::vector<int64_t>& shape);

// kInvalidArgument "model diag-a expects input [*, 16] float32, <what>
// [3, 5] float32", where `what` names the input ("got", "dataset ward-a
// is").
Status CheckSignature(const std::string& model, const Signature& want,
                      DType dtype, const std::vector<int64_t>& shape,
                      const std::string& what);

}  // namespace dim::tensor
