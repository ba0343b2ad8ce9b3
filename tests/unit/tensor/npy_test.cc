#include "core/tensor/npy.h"

#include <gtest/gtest.h>

#include <cstring>

namespace dim::tensor {
namespace {

// An npy file as NumPy writes it: magic, version, little-endian header
// length, then the header dict padded with spaces to a 64-byte boundary
// and ending in a newline.
std::string NumpyFile(char major, const std::string& dict,
                      const std::string& data) {
  size_t width = major == 1 ? 2 : 4;
  size_t preamble = 8 + width;
  std::string header = dict;
  while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + major + '\0';
  for (size_t i = 0; i < width; ++i) {
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  }
  return out + header + data;
}

std::string FloatBytes(std::vector<float> values) {
  std::string out(values.size() * sizeof(float), '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

Tensor Filled(DType dtype, std::vector<int64_t> shape) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data.resize(t.NumElements() * ElementSize(dtype));
  for (size_t i = 0; i < t.data.size(); ++i) {
    t.data[i] = static_cast<char>(dtype == DType::kBool ? i % 2 : i * 7 + 1);
  }
  return t;
}

TEST(NpyTest, RoundTripsEveryDTypeAndShape) {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {2, 3}, {2, 0, 4}, {1, 2, 1, 3}};
  for (DType d : {DType::kFloat32, DType::kFloat64, DType::kInt32,
                  DType::kInt64, DType::kUInt8, DType::kBool}) {
    for (const auto& shape : shapes) {
      Tensor t = Filled(d, shape);
      Result<Tensor> back = DecodeNpy(EncodeNpy(t));
      ASSERT_TRUE(back.ok()) << DTypeName(d) << " " << t.ShapeString()
                             << ": " << back.status().message();
      EXPECT_EQ(back->dtype, d);
      EXPECT_EQ(back->shape, shape);
      EXPECT_EQ(back->data, t.data);
    }
  }
}

TEST(NpyTest, EncodesAlignedHeaderAsNumPyDoes) {
  std::string bytes = EncodeNpy(Tensor::FromFloats({3}, {1, 2, 3}));
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  size_t header_length = static_cast<unsigned char>(bytes[8]) |
                         static_cast<unsigned char>(bytes[9]) << 8;
  size_t data_start = 10 + header_length;
  EXPECT_EQ(data_start % 64, 0u);
  EXPECT_EQ(bytes[data_start - 1], '\n');
  std::string header = bytes.substr(10, header_length);
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos) << header;
  EXPECT_NE(header.find("'shape': (3,)"), std::string::npos) << header;
  EXPECT_EQ(bytes.size(), data_start + 12);
}

TEST(NpyTest, DecodesHandBuiltVersionOneFile) {
  std::string file = NumpyFile(
      1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      FloatBytes({1, 2, 3, 4, 5, 6.5f}));
  Result<Tensor> t = DecodeNpy(file);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->dtype, DType::kFloat32);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t->ToDoubles(), (std::vector<double>{1, 2, 3, 4, 5, 6.5}));
}

TEST(NpyTest, DecodesVersionTwoFileWithKeysInAnyOrder) {
  std::string file = NumpyFile(
      2, "{'shape': (4,), 'fortran_order': False, 'descr': '|u1'}",
      std::string("\x01\x02\x03\xff", 4));
  Result<Tensor> t = DecodeNpy(file);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->dtype, DType::kUInt8);
  EXPECT_EQ(t->ToDoubles(), (std::vector<double>{1, 2, 3, 255}));
}

TEST(NpyTest, DecodesScalarWithEmptyShapeTuple) {
  std::string file = NumpyFile(
      1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
      FloatBytes({42}));
  Result<Tensor> t = DecodeNpy(file);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(t->shape.empty());
  EXPECT_EQ(t->ToDoubles(), (std::vector<double>{42}));
}

void ExpectRejected(const std::string& file, const std::string& fragment) {
  Result<Tensor> t = DecodeNpy(file);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
  EXPECT_NE(t.status().message().find(fragment), std::string::npos)
      << t.status().message();
}

TEST(NpyTest, RejectsBadMagic) {
  std::string file = EncodeNpy(Tensor::FromFloats({1}, {1}));
  file[1] = 'X';
  ExpectRejected(file, "bad magic");
  ExpectRejected("", "bad magic");
}

TEST(NpyTest, RejectsBigEndianDType) {
  ExpectRejected(
      NumpyFile(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                FloatBytes({1})),
      "'>f4'");
}

TEST(NpyTest, RejectsFortranOrder) {
  ExpectRejected(
      NumpyFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
                FloatBytes({1})),
      "Fortran");
}

TEST(NpyTest, RejectsTruncatedData) {
  std::string file = EncodeNpy(Tensor::FromFloats({4}, {1, 2, 3, 4}));
  file.pop_back();
  ExpectRejected(file, "truncated");
}

TEST(NpyTest, RejectsEveryTruncationOfAValidFile) {
  std::string file = EncodeNpy(Tensor::FromInt64s({2}, {1, 2}));
  for (size_t size = 0; size < file.size(); ++size) {
    EXPECT_FALSE(DecodeNpy(file.substr(0, size)).ok()) << size;
  }
}

TEST(NpyTest, RejectsTrailingBytes) {
  ExpectRejected(EncodeNpy(Tensor::FromFloats({1}, {1})) + "x",
                 "trailing bytes");
}

TEST(NpyTest, RejectsMalformedHeaders) {
  ExpectRejected(NumpyFile(1, "{'descr': '<f4', 'shape': (1,), }",
                           FloatBytes({1})),
                 "exactly");
  ExpectRejected(NumpyFile(1, "{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (-1,), }", ""),
                 "non-negative");
  ExpectRejected(NumpyFile(1, "{'descr': '<f4' 'fortran_order': False}", ""),
                 "expected '}'");
  ExpectRejected(NumpyFile(1, "{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (99999999999999999999,), }", ""),
                 "too large");
}

TEST(NpyTest, RejectsUnsupportedVersion) {
  std::string file = EncodeNpy(Tensor::FromFloats({1}, {1}));
  file[6] = 9;
  ExpectRejected(file, "version 9");
}

}  // namespace
}  // namespace dim::tensor
