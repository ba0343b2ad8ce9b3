#include "core/runtime/rows.h"

#include <algorithm>
#include <string>

namespace dim::runtime {

namespace {

size_t RowBytes(const tensor::Tensor& t) {
  int64_t elements = 1;
  for (size_t i = 1; i < t.shape.size(); ++i) elements *= t.shape[i];
  return static_cast<size_t>(elements) * tensor::ElementSize(t.dtype);
}

bool SameRowShape(const tensor::Tensor& a, const tensor::Tensor& b) {
  return a.dtype == b.dtype && a.shape.size() == b.shape.size() &&
         std::equal(a.shape.begin() + 1, a.shape.end(), b.shape.begin() + 1);
}

}  // namespace

int64_t RowCount(const tensor::Tensor& t) {
  return t.shape.empty() ? 1 : t.shape[0];
}

tensor::Tensor SliceRows(const tensor::Tensor& t, int64_t begin,
                         int64_t end) {
  size_t row_bytes = RowBytes(t);
  tensor::Tensor slice;
  slice.dtype = t.dtype;
  slice.shape = t.shape;
  slice.shape[0] = end - begin;
  slice.data = t.data.substr(static_cast<size_t>(begin) * row_bytes,
                             static_cast<size_t>(end - begin) * row_bytes);
  return slice;
}

Result<tensor::Tensor> ConcatRows(const std::vector<tensor::Tensor>& parts) {
  if (parts.empty() || parts[0].shape.empty()) {
    return InvalidArgument("cannot join outputs without a row dimension");
  }

  tensor::Tensor joined;
  joined.dtype = parts[0].dtype;
  joined.shape = parts[0].shape;
  joined.shape[0] = 0;
  for (const tensor::Tensor& part : parts) {
    if (!SameRowShape(parts[0], part)) {
      return InvalidArgument(
          "chunk outputs differ in shape or dtype: " +
          parts[0].ShapeString() + " " + tensor::DTypeName(parts[0].dtype) +
          " and " + part.ShapeString() + " " + tensor::DTypeName(part.dtype));
    }
    joined.shape[0] += part.shape[0];
    joined.data += part.data;
  }
  return joined;
}

Result<tensor::Tensor> MeanRows(const tensor::Tensor& t) {
  if (t.shape.empty()) {
    return InvalidArgument("cannot average the rows of a scalar");
  }
  int64_t rows = t.shape[0];
  if (rows == 0) return InvalidArgument("cannot average zero rows");

  std::vector<double> values = t.ToDoubles();
  size_t width = values.size() / static_cast<size_t>(rows);
  std::vector<double> sums(width, 0.0);
  for (size_t i = 0; i < values.size(); ++i) sums[i % width] += values[i];
  for (double& sum : sums) sum /= static_cast<double>(rows);

  std::vector<int64_t> shape(t.shape.begin() + 1, t.shape.end());
  if (t.dtype != tensor::DType::kFloat32) {
    return tensor::Tensor::FromDoubles(shape, sums);
  }
  return tensor::Tensor::FromFloats(shape, std::vector<float>(sums.begin(),
                                                              sums.end()));
}

}  // namespace dim::runtime
