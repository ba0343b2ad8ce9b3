#include "core/tensor/tensor.h"

#include <cstring>
#include <limits>

namespace dim::tensor {
namespace {

template <typename T>
T ReadElement(const std::string& data, size_t index) {
  T value;
  std::memcpy(&value, data.data() + index * sizeof(T), sizeof(T));
  return value;
}

double ElementAsDouble(DType dtype, const std::string& data, size_t i) {
  switch (dtype) {
    case DType::kFloat32: return ReadElement<float>(data, i);
    case DType::kFloat64: return ReadElement<double>(data, i);
    case DType::kInt32: return ReadElement<int32_t>(data, i);
    case DType::kInt64:
      return static_cast<double>(ReadElement<int64_t>(data, i));
    case DType::kUInt8: return ReadElement<uint8_t>(data, i);
    case DType::kBool: return ReadElement<uint8_t>(data, i) != 0 ? 1 : 0;
  }
  return 0;
}

template <typename T>
Tensor FromValues(DType dtype, std::vector<int64_t> shape,
                  const std::vector<T>& values) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data.assign(reinterpret_cast<const char*>(values.data()),
                values.size() * sizeof(T));
  return t;
}

}  // namespace

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kUInt8: return "uint8";
    case DType::kBool: return "bool";
  }
  return "unknown";
}

bool ParseDType(const std::string& name, DType* out) {
  for (DType d : {DType::kFloat32, DType::kFloat64, DType::kInt32,
                  DType::kInt64, DType::kUInt8, DType::kBool}) {
    if (name == DTypeName(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

size_t ElementSize(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return 4;
    case DType::kFloat64: return 8;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kUInt8: return 1;
    case DType::kBool: return 1;
  }
  return 1;
}

int64_t CountElements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

int64_t Tensor::NumElements() const { return CountElements(shape); }

std::string Tensor::ShapeString() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::vector<double> Tensor::ToDoubles() const {
  // Reads only whole elements that data really holds, so that an invalid
  // tensor yields fewer values rather than reading past the buffer.
  size_t count = data.size() / ElementSize(dtype);
  std::vector<double> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    out.push_back(ElementAsDouble(dtype, data, i));
  }
  return out;
}

Tensor Tensor::FromFloats(std::vector<int64_t> shape,
                          const std::vector<float>& values) {
  return FromValues(DType::kFloat32, std::move(shape), values);
}

Tensor Tensor::FromDoubles(std::vector<int64_t> shape,
                           const std::vector<double>& values) {
  return FromValues(DType::kFloat64, std::move(shape), values);
}

Tensor Tensor::FromInt64s(std::vector<int64_t> shape,
                          const std::vector<int64_t>& values) {
  return FromValues(DType::kInt64, std::move(shape), values);
}

Status Validate(const Tensor& t) {
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (t.shape[i] < 0) {
      return InvalidArgument("tensor shape " + t.ShapeString() +
                             " has negative dimension " +
                             std::to_string(i));
    }
  }
  int64_t n = t.NumElements();
  if (n < 0) {
    return InvalidArgument("tensor shape " + t.ShapeString() +
                           " has more elements than fit in 64 bits");
  }
  size_t size = ElementSize(t.dtype);
  if (static_cast<uint64_t>(n) > t.data.size() / size ||
      t.data.size() != static_cast<size_t>(n) * size) {
    return InvalidArgument(
        "tensor data is " + std::to_string(t.data.size()) +
        " bytes but shape " + t.ShapeString() + " of " + DTypeName(t.dtype) +
        " needs " + std::to_string(n) + " x " + std::to_string(size) +
        " bytes");
  }
  return Status::Ok();
}

}  // namespace dim::tensor
