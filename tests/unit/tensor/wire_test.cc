#include "core/tensor/wire.h"

#include <gtest/gtest.h>

namespace dim::tensor {
namespace {

Limits Generous() { return Limits(); }

dim::v1::Tensor Proto(dim::v1::DType dtype, std::vector<int64_t> shape,
                      std::string data) {
  dim::v1::Tensor p;
  p.set_dtype(dtype);
  for (int64_t d : shape) p.add_shape(d);
  p.set_data(std::move(data));
  return p;
}

TEST(WireTest, RoundTripsEveryDTypeThroughSerializedBytes) {
  for (DType d : {DType::kFloat32, DType::kFloat64, DType::kInt32,
                  DType::kInt64, DType::kUInt8, DType::kBool}) {
    Tensor t;
    t.dtype = d;
    t.shape = {2, 2};
    t.data.assign(4 * ElementSize(d), '\x01');
    dim::v1::Tensor p;
    ToProto(t, &p);
    dim::v1::Tensor parsed;
    ASSERT_TRUE(parsed.ParseFromString(p.SerializeAsString()));

    Result<Tensor> back = FromProto(parsed, Generous());
    ASSERT_TRUE(back.ok()) << DTypeName(d) << ": " << back.status().message();
    EXPECT_EQ(back->dtype, d);
    EXPECT_EQ(back->shape, t.shape);
    EXPECT_EQ(back->data, t.data);
  }
}

TEST(WireTest, ToProtoReplacesPreviousContents) {
  dim::v1::Tensor p = Proto(dim::v1::DTYPE_INT64, {7, 7, 7}, "junk");
  ToProto(Tensor::FromFloats({}, {3}), &p);
  EXPECT_EQ(p.dtype(), dim::v1::DTYPE_FLOAT32);
  EXPECT_EQ(p.shape_size(), 0);
  EXPECT_EQ(p.data().size(), 4u);
}

TEST(WireTest, AcceptsScalarAndEmptyTensors) {
  EXPECT_TRUE(FromProto(Proto(dim::v1::DTYPE_FLOAT64, {}, std::string(8, 0)),
                        Generous()).ok());
  EXPECT_TRUE(
      FromProto(Proto(dim::v1::DTYPE_INT32, {0, 5}, ""), Generous()).ok());
}

TEST(WireTest, RejectsUnspecifiedDType) {
  Result<Tensor> t =
      FromProto(Proto(dim::v1::DTYPE_UNSPECIFIED, {1}, "x"), Generous());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
  EXPECT_NE(t.status().message().find("unspecified"), std::string::npos);
}

TEST(WireTest, RejectsDTypeFromANewerVersion) {
  Result<Tensor> t = FromProto(
      Proto(static_cast<dim::v1::DType>(42), {1}, "x"), Generous());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("42"), std::string::npos);
}

TEST(WireTest, RejectsDataSizeMismatchNamingBothSizes) {
  Result<Tensor> t = FromProto(
      Proto(dim::v1::DTYPE_FLOAT32, {2, 3}, std::string(23, 0)), Generous());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
  EXPECT_NE(t.status().message().find("23 bytes"), std::string::npos)
      << t.status().message();
  EXPECT_NE(t.status().message().find("24 bytes"), std::string::npos)
      << t.status().message();
}

TEST(WireTest, RejectsNegativeDimension) {
  Result<Tensor> t =
      FromProto(Proto(dim::v1::DTYPE_FLOAT32, {3, -2}, ""), Generous());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
  EXPECT_NE(t.status().message().find("negative dimension 1"),
            std::string::npos);
}

TEST(WireTest, RejectsTensorOverLimits) {
  Limits small;
  small.max_elements = 3;
  Result<Tensor> t = FromProto(
      Proto(dim::v1::DTYPE_UINT8, {4}, std::string(4, 0)), small);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kResourceExhausted);

  small = Limits();
  small.max_rank = 1;
  EXPECT_EQ(FromProto(Proto(dim::v1::DTYPE_UINT8, {1, 1}, "x"), small)
                .status().code(),
            Code::kResourceExhausted);
}

TEST(WireTest, RejectsShapeWhoseCountOverflowsWithoutAllocating) {
  int64_t big = int64_t{1} << 40;
  Result<Tensor> t =
      FromProto(Proto(dim::v1::DTYPE_FLOAT32, {big, big}, ""), Generous());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kResourceExhausted);
}

}  // namespace
}  // namespace dim::tensor
