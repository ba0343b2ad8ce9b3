#include "core/tensor/npy.h"

#include <cctype>
#include <cstdint>
#include <limits>
#include <map>
#include <string>

namespace dim::tensor {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// NumPy pads the preamble and header so that the data starts on a 64-byte
// boundary; we do the same so that readers can map the data aligned.
constexpr size_t kAlignment = 64;

struct Descr {
  const char* text;
  DType dtype;
};

// The descr strings NumPy writes for the dtypes we carry; a one-byte type
// has no byte order, written '|'.
constexpr Descr kDescrs[] = {
    {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64},
    {"<i4", DType::kInt32},   {"<i8", DType::kInt64},
    {"|u1", DType::kUInt8},   {"<u1", DType::kUInt8},
    {"|b1", DType::kBool},    {"<b1", DType::kBool},
};

// One value of the header dict: a string, a boolean or a tuple of ints.
struct HeaderValue {
  enum class Kind { kString, kBool, kTuple } kind = Kind::kString;
  std::string text;
  bool flag = false;
  std::vector<int64_t> ints;
};

// A parser for the Python dict literal that NumPy writes as the header,
// e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  Status Parse(std::map<std::string, HeaderValue>* out) {
    DIM_RETURN_IF_ERROR(Expect('{'));
    while (!Consume('}')) {
      std::string key;
      HeaderValue value;
      DIM_RETURN_IF_ERROR(ParseString(&key));
      DIM_RETURN_IF_ERROR(Expect(':'));
      DIM_RETURN_IF_ERROR(ParseValue(&value));
      (*out)[key] = std::move(value);
      if (!Consume(',')) {
        DIM_RETURN_IF_ERROR(Expect('}'));
        break;
      }
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("text after the closing '}'");
    return Status::Ok();
  }

 private:
  Status Error(const std::string& what) const {
    // The header comes from the file; quote only enough to recognise it.
    std::string excerpt(text_.substr(0, 120));
    return InvalidArgument("npy header: " + what + " at offset " +
                           std::to_string(pos_) + " in \"" + excerpt +
                           "\"");
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(Byte(pos_))) ++pos_;
  }
  unsigned char Byte(size_t i) const {
    return static_cast<unsigned char>(text_[i]);
  }

  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Status Expect(char c) {
    if (Consume(c)) return Status::Ok();
    return Error(std::string("expected '") + c + "'");
  }

  Status ParseString(std::string* out) {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      return Error("expected a quoted string");
    }
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return Error("unterminated string");
    *out = std::string(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return Status::Ok();
  }

  Status ParseValue(HeaderValue* out) {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("expected a value");
    char c = text_[pos_];
    if (c == '\'' || c == '"') {
      out->kind = HeaderValue::Kind::kString;
      return ParseString(&out->text);
    }
    if (c == '(') {
      out->kind = HeaderValue::Kind::kTuple;
      return ParseTuple(&out->ints);
    }
    out->kind = HeaderValue::Kind::kBool;
    if (ConsumeWord("True")) {
      out->flag = true;
      return Status::Ok();
    }
    if (ConsumeWord("False")) return Status::Ok();
    return Error("expected a string, tuple, True or False");
  }

  bool ConsumeWord(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Status ParseTuple(std::vector<int64_t>* out) {
    DIM_RETURN_IF_ERROR(Expect('('));
    while (!Consume(')')) {
      int64_t value = 0;
      DIM_RETURN_IF_ERROR(ParseInt(&value));
      out->push_back(value);
      if (!Consume(',')) {
        DIM_RETURN_IF_ERROR(Expect(')'));
        break;
      }
    }
    return Status::Ok();
  }

  Status ParseInt(int64_t* out) {
    SkipSpace();
    size_t start = pos_;
    int64_t value = 0;
    while (pos_ < text_.size() && std::isdigit(Byte(pos_))) {
      int digit = text_[pos_++] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) {
        return Error("dimension too large");
      }
      value = value * 10 + digit;
    }
    if (pos_ == start) return Error("expected a non-negative integer");
    *out = value;
    return Status::Ok();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

uint32_t ReadLittleEndian(std::string_view bytes, size_t offset,
                          size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= static_cast<uint32_t>(static_cast<unsigned char>(
                 bytes[offset + i]))
             << (8 * i);
  }
  return value;
}

// Splits the file into its header text and data, checking the preamble.
Status SplitNpy(std::string_view bytes, std::string_view* header,
                std::string_view* data) {
  if (bytes.size() < kMagicSize + 2 ||
      bytes.substr(0, kMagicSize) != std::string_view(kMagic, kMagicSize)) {
    return InvalidArgument("not an npy file (bad magic)");
  }
  int major = static_cast<unsigned char>(bytes[kMagicSize]);
  if (major < 1 || major > 3) {
    return InvalidArgument("unsupported npy version " +
                           std::to_string(major));
  }
  size_t width = major == 1 ? 2 : 4;
  size_t start = kMagicSize + 2 + width;
  if (bytes.size() < start) return InvalidArgument("npy file truncated");

  size_t length = ReadLittleEndian(bytes, kMagicSize + 2, width);
  if (length > bytes.size() - start) {
    return InvalidArgument("npy header of " + std::to_string(length) +
                           " bytes runs past the end of the file");
  }
  *header = bytes.substr(start, length);
  *data = bytes.substr(start + length);
  return Status::Ok();
}

Status ParseDescr(const std::string& descr, DType* out) {
  for (const Descr& d : kDescrs) {
    if (descr == d.text) {
      *out = d.dtype;
      return Status::Ok();
    }
  }
  return InvalidArgument("unsupported dtype '" + descr +
                         "' (supported: little-endian float32, float64, "
                         "int32, int64, uint8, bool)");
}

Status ReadHeader(std::string_view text, Tensor* t) {
  std::map<std::string, HeaderValue> fields;
  DIM_RETURN_IF_ERROR(HeaderParser(text).Parse(&fields));

  auto descr = fields.find("descr");
  auto order = fields.find("fortran_order");
  auto shape = fields.find("shape");
  if (descr == fields.end() || order == fields.end() ||
      shape == fields.end() || fields.size() != 3) {
    return InvalidArgument(
        "npy header must hold exactly 'descr', 'fortran_order' and 'shape'");
  }
  if (descr->second.kind != HeaderValue::Kind::kString ||
      order->second.kind != HeaderValue::Kind::kBool ||
      shape->second.kind != HeaderValue::Kind::kTuple) {
    return InvalidArgument("npy header has a field of the wrong type");
  }
  if (order->second.flag) {
    return InvalidArgument(
        "Fortran-order arrays are not supported; save a C-order array "
        "(numpy.ascontiguousarray)");
  }
  DIM_RETURN_IF_ERROR(ParseDescr(descr->second.text, &t->dtype));
  t->shape = shape->second.ints;
  return Status::Ok();
}

std::string ShapeTuple(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  // A one-element Python tuple needs its trailing comma.
  if (shape.size() == 1) s += ",";
  return s + ")";
}

const char* DescrFor(DType dtype) {
  for (const Descr& d : kDescrs) {
    if (d.dtype == dtype) return d.text;
  }
  return "";
}

}  // namespace

Result<Tensor> DecodeNpy(std::string_view bytes) {
  std::string_view header;
  std::string_view data;
  DIM_RETURN_IF_ERROR(SplitNpy(bytes, &header, &data));

  Tensor t;
  DIM_RETURN_IF_ERROR(ReadHeader(header, &t));
  int64_t n = t.NumElements();
  if (n < 0) return InvalidArgument("npy shape " + t.ShapeString() +
                                    " has too many elements");
  size_t size = ElementSize(t.dtype);
  bool truncated = static_cast<uint64_t>(n) > data.size() / size;
  if (truncated || data.size() != static_cast<size_t>(n) * size) {
    return InvalidArgument(
        "npy data is " + std::to_string(data.size()) + " bytes but shape " +
        t.ShapeString() + " of " + DTypeName(t.dtype) + " needs " +
        std::to_string(n) + " x " + std::to_string(size) + " bytes" +
        (truncated ? " (file truncated)" : " (trailing bytes)"));
  }
  t.data = std::string(data);
  return t;
}

std::string EncodeNpy(const Tensor& t) {
  std::string header = std::string("{'descr': '") + DescrFor(t.dtype) +
                       "', 'fortran_order': False, 'shape': " +
                       ShapeTuple(t.shape) + ", }";
  size_t width = header.size() + 1 + kMagicSize + 4 > 0xffff ? 4 : 2;
  size_t preamble = kMagicSize + 2 + width;
  size_t padded = (preamble + header.size() + 1 + kAlignment - 1) /
                  kAlignment * kAlignment;
  header.append(padded - preamble - header.size() - 1, ' ');
  header += '\n';

  std::string out(kMagic, kMagicSize);
  out += static_cast<char>(width == 2 ? 1 : 2);
  out += '\0';
  for (size_t i = 0; i < width; ++i) {
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  }
  return out + header + t.data;
}

}  // namespace dim::tensor
