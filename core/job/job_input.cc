#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <vector>

#include "core/job/job_sections.h"
#include "core/tensor/load.h"
#include "core/tensor/tensor.h"
#include "core/tensor/wire.h"

namespace dim::job {
namespace {

using config::TableReader;
using config::TomlEntry;
using config::TomlValue;
using tensor::DType;
using Type = TomlValue::Type;

const char kSameShape[] = " (every row must have the same shape)";

std::string NumberText(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

bool IsNumber(const TomlValue& v) {
  return v.type == Type::kInteger || v.type == Type::kFloat;
}

// The shape that the first element of every level implies.
std::vector<int64_t> ShapeOfFirstRow(const TomlValue& values) {
  std::vector<int64_t> shape;
  for (const TomlValue* v = &values; v->type == Type::kArray;
       v = &v->items[0]) {
    shape.push_back(static_cast<int64_t>(v->items.size()));
    if (v->items.empty()) break;
  }
  return shape;
}

// Checks that node, at depth `depth` of values, has the shape of the
// first row, and appends its numbers to *leaves in row-major order.
Status Collect(const TableReader& input, const TomlEntry& values,
               const TomlValue& node, size_t depth,
               const std::vector<int64_t>& shape,
               std::vector<const TomlValue*>* leaves) {
  std::string got = config::TypeName(node.type);
  if (depth == shape.size()) {
    if (IsNumber(node)) {
      leaves->push_back(&node);
      return Status::Ok();
    }
    std::string why = node.type == Type::kArray ? kSameShape : "";
    return input.ItemError(values, node, "expected a number, got " + got + why);
  }

  if (node.type != Type::kArray) {
    return input.ItemError(values, node,
                           "expected an array, got " + got + kSameShape);
  }
  int64_t size = static_cast<int64_t>(node.items.size());
  if (size == 0) {
    return input.ItemError(values, node,
                           "expected at least one number, got an empty array");
  }
  if (size != shape[depth]) {
    return input.ItemError(values, node,
                           "expected " + std::to_string(shape[depth]) +
                               " elements like the first row, got " +
                               std::to_string(size) + kSameShape);
  }
  for (const TomlValue& item : node.items) {
    DIM_RETURN_IF_ERROR(
        Collect(input, values, item, depth + 1, shape, leaves));
  }
  return Status::Ok();
}

Status ParseInlineDType(const TableReader& input, DType* out) {
  std::string name = "float32";
  DIM_RETURN_IF_ERROR(input.GetString("dtype", &name));
  bool allowed = tensor::ParseDType(name, out) &&
                 (*out == DType::kFloat32 || *out == DType::kFloat64 ||
                  *out == DType::kInt64 || *out == DType::kInt32);
  if (allowed) return Status::Ok();
  return input.ValueError(*input.Find("dtype"),
                          "unknown dtype '" + name +
                              "' (expected float32, float64, int64 or int32)");
}

// Integers for an integer dtype: every number must be whole and in range.
Status ToIntegers(const TableReader& input, const TomlEntry& values,
                  const std::vector<const TomlValue*>& leaves, DType dtype,
                  std::vector<int64_t>* out) {
  bool narrow = dtype == DType::kInt32;
  int64_t lo = narrow ? std::numeric_limits<int32_t>::min()
                      : std::numeric_limits<int64_t>::min();
  int64_t hi = narrow ? std::numeric_limits<int32_t>::max()
                      : std::numeric_limits<int64_t>::max();
  std::string dtype_text = std::string("dtype ") + tensor::DTypeName(dtype);

  for (const TomlValue* leaf : leaves) {
    if (leaf->type != Type::kInteger) {
      return input.ItemError(values, *leaf,
                             dtype_text + " takes whole numbers, got " +
                                 NumberText(leaf->floating));
    }
    if (leaf->integer < lo || leaf->integer > hi) {
      return input.ItemError(values, *leaf,
                             dtype_text + " takes numbers from " +
                                 std::to_string(lo) + " to " +
                                 std::to_string(hi) + ", got " +
                                 std::to_string(leaf->integer));
    }
    out->push_back(leaf->integer);
  }
  return Status::Ok();
}

tensor::Tensor Int32Tensor(std::vector<int64_t> shape,
                           const std::vector<int64_t>& values) {
  tensor::Tensor t;
  t.dtype = DType::kInt32;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(int32_t));
  for (size_t i = 0; i < values.size(); ++i) {
    int32_t v = static_cast<int32_t>(values[i]);
    std::memcpy(&t.data[i * sizeof v], &v, sizeof v);
  }
  return t;
}

Result<tensor::Tensor> BuildTensor(
    const TableReader& input, const TomlEntry& values, DType dtype,
    std::vector<int64_t> shape, const std::vector<const TomlValue*>& leaves) {
  if (dtype == DType::kInt64 || dtype == DType::kInt32) {
    std::vector<int64_t> integers;
    DIM_RETURN_IF_ERROR(ToIntegers(input, values, leaves, dtype, &integers));
    if (dtype == DType::kInt32) return Int32Tensor(std::move(shape), integers);
    return tensor::Tensor::FromInt64s(std::move(shape), integers);
  }

  std::vector<double> numbers;
  for (const TomlValue* leaf : leaves) {
    numbers.push_back(leaf->type == Type::kInteger
                          ? static_cast<double>(leaf->integer)
                          : leaf->floating);
  }
  if (dtype == DType::kFloat64) {
    return tensor::Tensor::FromDoubles(std::move(shape), numbers);
  }
  return tensor::Tensor::FromFloats(
      std::move(shape), std::vector<float>(numbers.begin(), numbers.end()));
}

// Keeps the code of `cause` (kNotFound, kResourceExhausted) and puts the
// position of the entry before its message.
Status AtEntry(const TableReader& input, const TomlEntry& entry,
               const Status& cause) {
  Status positioned = input.ValueError(entry, cause.message());
  return Status(cause.code(), positioned.message());
}

Status ReadInline(const TableReader& input, const tensor::Limits& limits,
                  dim::v1::Tensor* out) {
  DType dtype;
  DIM_RETURN_IF_ERROR(ParseInlineDType(input, &dtype));
  const TomlEntry& values = *input.Find("values");
  if (values.value.type != Type::kArray) {
    return input.TypeError(values, values.value, Type::kArray);
  }

  std::vector<int64_t> shape = ShapeOfFirstRow(values.value);
  std::vector<const TomlValue*> leaves;
  DIM_RETURN_IF_ERROR(Collect(input, values, values.value, 0, shape, &leaves));
  Result<tensor::Tensor> t =
      BuildTensor(input, values, dtype, std::move(shape), leaves);
  if (!t.ok()) return t.status();

  Status within = tensor::CheckLimits(*t, limits);
  if (!within.ok()) return AtEntry(input, values, within);
  tensor::ToProto(*t, out);
  return Status::Ok();
}

Status ReadFile(const TableReader& input, const std::string& base_dir,
                const tensor::Limits& limits, dim::v1::Tensor* out) {
  if (const TomlEntry* dtype = input.Find("dtype")) {
    return input.ValueError(
        *dtype, "applies only to inline values; a file carries its own dtype");
  }
  std::string name;
  DIM_RETURN_IF_ERROR(input.GetString("file", &name));
  const TomlEntry& file = *input.Find("file");
  if (name.empty()) {
    return input.ValueError(file, "expected a file name, got ''");
  }

  bool relative = name[0] != '/' && !base_dir.empty();
  std::string path = relative ? base_dir + "/" + name : name;
  Result<tensor::Tensor> t = tensor::LoadTensorFile(path, limits);
  if (!t.ok()) return AtEntry(input, file, t.status());
  tensor::ToProto(*t, out);
  return Status::Ok();
}

}  // namespace

Status ParseInput(const TableReader& input, const std::string& base_dir,
                  const tensor::Limits& limits, dim::v1::Tensor* out) {
  DIM_RETURN_IF_ERROR(input.CheckKeys({"values", "dtype", "file"}));
  const TomlEntry* values = input.Find("values");
  const TomlEntry* file = input.Find("file");
  if (values != nullptr && file != nullptr) {
    return input.ValueError(*file,
                            "expected one of 'values' or 'file', got both");
  }
  if (values == nullptr && file == nullptr) {
    return config::ErrorAt(input.source(), input.table().position,
                           input.prefix(),
                           "missing required key 'values' or 'file'");
  }

  if (file != nullptr) return ReadFile(input, base_dir, limits, out);
  return ReadInline(input, limits, out);
}

}  // namespace dim::job
