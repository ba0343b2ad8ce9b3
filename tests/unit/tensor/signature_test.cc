#include "core/tensor/signature.h"

#include <gtest/gtest.h>

namespace dim::tensor {
namespace {

TEST(Signature, AnySizeDimensionAcceptsEveryLength) {
  Signature want{DType::kFloat32, {-1, 8}};
  EXPECT_TRUE(CheckSignature("m", want, DType::kFloat32, {1, 8}, "got").ok());
  EXPECT_TRUE(CheckSignature("m", want, DType::kFloat32, {500, 8}, "got").ok());
}

TEST(Signature, MismatchNamesTheModelAndBothShapes) {
  Signature want{DType::kFloat32, {-1, 8}};
  Status st = CheckSignature("risk-score", want, DType::kFloat32, {3, 5},
                             "got");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "model risk-score expects input [*, 8] float32, got [3, 5] "
            "float32");
}

TEST(Signature, RankAndDtypeCount) {
  Signature want{DType::kFloat32, {-1, 8}};
  EXPECT_FALSE(CheckSignature("m", want, DType::kFloat32, {8}, "got").ok());
  Status st = CheckSignature("m", want, DType::kInt64, {2, 8}, "got");
  EXPECT_EQ(st.message(),
            "model m expects input [*, 8] float32, got [2, 8] int64");
}

TEST(Signature, EmptySignatureAcceptsAnything) {
  Signature any;
  EXPECT_TRUE(CheckSignature("m", any, DType::kInt32, {2, 3, 4}, "got").ok());
  Signature typed{DType::kFloat64, {}};
  EXPECT_EQ(CheckSignature("m", typed, DType::kFloat32, {2}, "dataset d is")
                .message(),
            "model m expects input of any shape float64, dataset d is [2] "
            "float32");
}

}  // namespace
}  // namespace dim::tensor
