// A dense tensor as the system moves it around: element type, shape and the
// elements as raw little-endian bytes in row-major order. Torch-free, so
// that clients and the orchestrator can read, check and combine tensors
// without loading libtorch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace dim::tensor {

enum class DType { kFloat32, kFloat64, kInt32, kInt64, kUInt8, kBool };

// "float32", "float64", "int32", "int64", "uint8", "bool".
const char* DTypeName(DType dtype);
bool ParseDType(const std::string& name, DType* out);
size_t ElementSize(DType dtype);

struct Tensor {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::string data;

  // The product of shape (1 for a 0-d tensor), or -1 when a dimension is
  // negative or the product does not fit in int64_t.
  int64_t NumElements() const;
  // "[3, 8]"
  std::string ShapeString() const;
  // Every element converted to double, in row-major order.
  std::vector<double> ToDoubles() const;

  static Tensor FromFloats(std::vector<int64_t> shape,
                           const std::vector<float>& values);
  static Tensor FromDoubles(std::vector<int64_t> shape,
                            const std::vector<double>& values);
  static Tensor FromInt64s(std::vector<int64_t> shape,
                           const std::vector<int64_t>& values);
};

// NumElements() for a bare shape.
int64_t CountElements(const std::vector<int64_t>& shape);

// Checks that data holds exactly NumElements() elements of dtype and that
// no dimension is negative.
Status Validate(const Tensor& t);

}  // namespace dim::tensor
