#include "core/tensor/tensor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "core/tensor/limits.h"

namespace dim::tensor {
namespace {

constexpr DType kAllDTypes[] = {DType::kFloat32, DType::kFloat64,
                                DType::kInt32,   DType::kInt64,
                                DType::kUInt8,   DType::kBool};

template <typename T>
Tensor Make(DType dtype, std::vector<int64_t> shape, std::vector<T> values) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(T));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

TEST(TensorTest, DTypeNamesParseBackToTheSameDType) {
  for (DType d : kAllDTypes) {
    DType parsed = d == DType::kBool ? DType::kFloat32 : DType::kBool;
    ASSERT_TRUE(ParseDType(DTypeName(d), &parsed)) << DTypeName(d);
    EXPECT_EQ(parsed, d);
  }
  DType unused;
  EXPECT_FALSE(ParseDType("float16", &unused));
  EXPECT_FALSE(ParseDType("", &unused));
}

TEST(TensorTest, ElementSizesMatchTheCTypes) {
  EXPECT_EQ(ElementSize(DType::kFloat32), sizeof(float));
  EXPECT_EQ(ElementSize(DType::kFloat64), sizeof(double));
  EXPECT_EQ(ElementSize(DType::kInt32), sizeof(int32_t));
  EXPECT_EQ(ElementSize(DType::kInt64), sizeof(int64_t));
  EXPECT_EQ(ElementSize(DType::kUInt8), 1u);
  EXPECT_EQ(ElementSize(DType::kBool), 1u);
}

TEST(TensorTest, CountsElementsIncludingScalarsAndEmptyTensors) {
  EXPECT_EQ(CountElements({}), 1);
  EXPECT_EQ(CountElements({2, 3, 4}), 24);
  EXPECT_EQ(CountElements({5, 0, 7}), 0);
  EXPECT_EQ(CountElements({2, -1}), -1);
  int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_EQ(CountElements({big, 3}), -1);
}

TEST(TensorTest, ShapeStringListsDimensions) {
  EXPECT_EQ(Tensor::FromFloats({3, 8}, std::vector<float>(24)).ShapeString(),
            "[3, 8]");
  EXPECT_EQ(Tensor::FromFloats({}, {1.0f}).ShapeString(), "[]");
}

TEST(TensorTest, FactoriesKeepShapeAndValues) {
  Tensor f = Tensor::FromFloats({2}, {1.5f, -2.25f});
  EXPECT_EQ(f.dtype, DType::kFloat32);
  EXPECT_EQ(f.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(f.ToDoubles(), (std::vector<double>{1.5, -2.25}));

  Tensor d = Tensor::FromDoubles({1, 2}, {0.1, 1e300});
  EXPECT_EQ(d.dtype, DType::kFloat64);
  EXPECT_EQ(d.ToDoubles(), (std::vector<double>{0.1, 1e300}));

  Tensor i = Tensor::FromInt64s({3}, {-7, 0, int64_t{1} << 40});
  EXPECT_EQ(i.dtype, DType::kInt64);
  EXPECT_EQ(i.ToDoubles(),
            (std::vector<double>{-7, 0, static_cast<double>(1ll << 40)}));
}

TEST(TensorTest, ToDoublesConvertsEveryDType) {
  EXPECT_EQ(Make<int32_t>(DType::kInt32, {2}, {-3, 70000}).ToDoubles(),
            (std::vector<double>{-3, 70000}));
  EXPECT_EQ(Make<uint8_t>(DType::kUInt8, {2}, {0, 255}).ToDoubles(),
            (std::vector<double>{0, 255}));
  EXPECT_EQ(Make<uint8_t>(DType::kBool, {3}, {1, 0, 1}).ToDoubles(),
            (std::vector<double>{1, 0, 1}));
}

TEST(TensorTest, ToDoublesReadsOnlyWholeElementsOfShortData) {
  Tensor t = Tensor::FromFloats({4}, {1, 2, 3, 4});
  t.data.resize(9);
  EXPECT_EQ(t.ToDoubles(), (std::vector<double>{1, 2}));
}

TEST(TensorTest, ValidateAcceptsConsistentTensors) {
  EXPECT_TRUE(Validate(Tensor::FromFloats({2, 2}, {1, 2, 3, 4})).ok());
  EXPECT_TRUE(Validate(Tensor::FromDoubles({}, {5})).ok());
  EXPECT_TRUE(Validate(Tensor::FromInt64s({0, 4}, {})).ok());
}

TEST(TensorTest, ValidateRejectsDataSizeMismatchNamingBothSizes) {
  Tensor t = Tensor::FromFloats({2, 3}, {1, 2, 3, 4, 5});
  Status s = Validate(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("20 bytes"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("[2, 3]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("6 x 4"), std::string::npos) << s.message();
}

TEST(TensorTest, ValidateRejectsNegativeDimension) {
  Tensor t = Tensor::FromFloats({2, -3}, {});
  Status s = Validate(t);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("negative dimension 1"), std::string::npos)
      << s.message();
}

TEST(TensorTest, ValidateRejectsShapeWhoseCountOverflows) {
  int64_t big = int64_t{1} << 40;
  Status s = Validate(Tensor::FromFloats({big, big}, {}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("64 bits"), std::string::npos) << s.message();
}

TEST(TensorTest, CheckLimitsAcceptsTensorExactlyAtTheLimits) {
  Limits limits;
  limits.max_rank = 2;
  limits.max_elements = 6;
  limits.max_bytes = 24;
  EXPECT_TRUE(CheckLimits(Tensor::FromFloats({2, 3}, std::vector<float>(6)),
                          limits).ok());
}

TEST(TensorTest, CheckLimitsNamesRankLimitAndItsKey) {
  Limits limits;
  limits.max_rank = 2;
  Status s = CheckLimits(Tensor::FromFloats({1, 1, 1}, {0}), limits);
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_NE(s.message().find("rank 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("limit of 2"), std::string::npos);
  EXPECT_NE(s.message().find("limits.max_tensor_rank"), std::string::npos);
}

TEST(TensorTest, CheckLimitsNamesElementLimitAndItsKey) {
  Limits limits;
  limits.max_elements = 5;
  Status s = CheckLimits(Tensor::FromFloats({2, 3}, std::vector<float>(6)),
                         limits);
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_NE(s.message().find("element count 6"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("limits.max_tensor_elements"), std::string::npos);
}

TEST(TensorTest, CheckLimitsNamesByteLimitAndItsKey) {
  Limits limits;
  limits.max_bytes = 40;
  Status s = CheckLimits(Tensor::FromDoubles({6}, std::vector<double>(6)),
                         limits);
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_NE(s.message().find("48 bytes"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("limit of 40"), std::string::npos);
  EXPECT_NE(s.message().find("limits.max_tensor_bytes"), std::string::npos);
}

TEST(TensorTest, CheckLimitsCountsBytesHeldBeyondTheShape) {
  Limits limits;
  limits.max_bytes = 16;
  Tensor t = Tensor::FromFloats({1}, {0});
  t.data.resize(1000);
  EXPECT_EQ(CheckLimits(t, limits).code(), Code::kResourceExhausted);
}

}  // namespace
}  // namespace dim::tensor
