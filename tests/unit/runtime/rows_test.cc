#include "core/runtime/rows.h"

#include <gtest/gtest.h>

namespace dim::runtime {
namespace {

using tensor::Tensor;

TEST(RowsTest, SliceThenConcatGivesBackTheTensor) {
  Tensor t = Tensor::FromFloats({5, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});

  Tensor head = SliceRows(t, 0, 2);
  Tensor tail = SliceRows(t, 2, 5);
  Result<Tensor> joined = ConcatRows({head, tail});

  EXPECT_EQ(head.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(tail.ToDoubles(), (std::vector<double>{4, 5, 6, 7, 8, 9}));
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->shape, t.shape);
  EXPECT_EQ(joined->data, t.data);
}

TEST(RowsTest, ConcatRejectsDifferentRowShapes) {
  Tensor a = Tensor::FromFloats({1, 2}, {1, 2});
  Tensor b = Tensor::FromFloats({1, 3}, {1, 2, 3});

  Result<Tensor> joined = ConcatRows({a, b});

  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.status().message(),
            "chunk outputs differ in shape or dtype: [1, 2] float32 and "
            "[1, 3] float32");
}

TEST(RowsTest, MeanRowsAveragesOverFirstDimension) {
  Tensor t = Tensor::FromFloats({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor ints = Tensor::FromInt64s({2, 1}, {1, 2});

  Result<Tensor> mean = MeanRows(t);
  Result<Tensor> int_mean = MeanRows(ints);

  ASSERT_TRUE(mean.ok());
  EXPECT_EQ(mean->dtype, tensor::DType::kFloat32);
  EXPECT_EQ(mean->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(mean->ToDoubles(), (std::vector<double>{3, 4, 5, 6}));
  ASSERT_TRUE(int_mean.ok());
  EXPECT_EQ(int_mean->dtype, tensor::DType::kFloat64);
  EXPECT_EQ(int_mean->ToDoubles(), (std::vector<double>{1.5}));
}

TEST(RowsTest, MeanRowsRejectsScalarAndEmpty) {
  EXPECT_FALSE(MeanRows(Tensor::FromFloats({}, {1})).ok());
  EXPECT_FALSE(MeanRows(Tensor::FromFloats({0, 3}, {})).ok());
}

}  // namespace
}  // namespace dim::runtime
