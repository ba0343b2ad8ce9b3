#include "core/orchestrator/aggregation.h"

#include <gtest/gtest.h>

namespace dim::orchestrator {
namespace {

using dim::v1::AGGREGATION_CONCAT;
using dim::v1::AGGREGATION_MEAN;
using dim::v1::AGGREGATION_WEIGHTED_MEAN;
using tensor::DType;
using tensor::Tensor;

NodeOutput Part(std::string node, std::string dataset, Tensor output,
                int64_t samples = 1) {
  return NodeOutput{std::move(node), std::move(dataset), std::move(output),
                    samples};
}

NodeOutput Floats(std::string node, std::vector<int64_t> shape,
                  std::vector<float> values, int64_t samples = 1) {
  return Part(node, "ds-" + node, Tensor::FromFloats(std::move(shape), values),
              samples);
}

void ExpectValues(const Tensor& t, const std::vector<double>& expected) {
  const std::vector<double> got = t.ToDoubles();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected[i], 1e-6) << "element " << i;
  }
}

TEST(AggregationTest, MeanAveragesEveryNodeEqually) {
  // ([1, 4] + [2, 0] + [6, 2]) / 3 = [9, 6] / 3 = [3, 2]; samples play
  // no part.
  auto r = Aggregate(AGGREGATION_MEAN, {Floats("n1", {2}, {1, 4}, 10),
                                        Floats("n2", {2}, {2, 0}, 1),
                                        Floats("n3", {2}, {6, 2}, 1)});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->dtype, DType::kFloat32);
  EXPECT_EQ(r->shape, (std::vector<int64_t>{2}));
  ExpectValues(*r, {3, 2});
}

TEST(AggregationTest, MeanKeepsMultiDimensionalShape) {
  // Elementwise: ([[1, 2], [3, 4]] + [[3, 2], [1, 0]]) / 2 = [[2, 2], [2, 2]]
  auto r = Aggregate(AGGREGATION_MEAN, {Floats("n1", {2, 2}, {1, 2, 3, 4}),
                                        Floats("n2", {2, 2}, {3, 2, 1, 0})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->shape, (std::vector<int64_t>{2, 2}));
  ExpectValues(*r, {2, 2, 2, 2});
}

TEST(AggregationTest, AccumulatesInDoublePrecision) {
  // (2^24 + 1 + 1) / 3 = 5592406. Summed in float32, each +1 is lost
  // against 2^24 and the result would be 2^24 / 3 = 5592405.33.
  auto r = Aggregate(AGGREGATION_MEAN, {Floats("n1", {1}, {16777216.0f}),
                                        Floats("n2", {1}, {1.0f}),
                                        Floats("n3", {1}, {1.0f})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->ToDoubles()[0], 5592406.0);
}

TEST(AggregationTest, WeightedMeanWeighsBySampleCount) {
  // (1 * [1, 4] + 3 * [4, 1]) / (1 + 3) = [13, 7] / 4 = [3.25, 1.75]
  auto r = Aggregate(AGGREGATION_WEIGHTED_MEAN,
                     {Floats("n1", {2}, {1, 4}, 1),
                      Floats("n2", {2}, {4, 1}, 3)});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ExpectValues(*r, {3.25, 1.75});
}

TEST(AggregationTest, WeightedMeanIgnoresNodeWithNoSamples) {
  // (0 * 10 + 5 * 2) / 5 = 2
  auto r = Aggregate(AGGREGATION_WEIGHTED_MEAN,
                     {Floats("n1", {1}, {10}, 0), Floats("n2", {1}, {2}, 5)});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ExpectValues(*r, {2});
}

TEST(AggregationTest, WeightedMeanRejectsZeroTotalSamples) {
  auto r = Aggregate(AGGREGATION_WEIGHTED_MEAN,
                     {Floats("n1", {1}, {10}, 0), Floats("n2", {1}, {2}, 0)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("every node reported 0"),
            std::string::npos)
      << r.status().message();
}

TEST(AggregationTest, WeightedMeanRejectsNegativeSamplesNamingTheNode) {
  auto r = Aggregate(AGGREGATION_WEIGHTED_MEAN,
                     {Floats("n1", {1}, {10}, 4), Floats("n2", {1}, {2}, -1)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("node n2 (dataset ds-n2) reported -1"),
            std::string::npos)
      << r.status().message();
}

TEST(AggregationTest, ConcatJoinsRowsInOrder) {
  // [[1, 2], [3, 4]] followed by [[5, 6]] -> 3 rows.
  auto r = Aggregate(AGGREGATION_CONCAT, {Floats("n1", {2, 2}, {1, 2, 3, 4}),
                                          Floats("n2", {1, 2}, {5, 6})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->shape, (std::vector<int64_t>{3, 2}));
  ExpectValues(*r, {1, 2, 3, 4, 5, 6});
}

TEST(AggregationTest, ConcatAcceptsNodeWithNoRows) {
  auto r = Aggregate(AGGREGATION_CONCAT, {Floats("n1", {0, 2}, {}),
                                          Floats("n2", {1, 2}, {5, 6})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->shape, (std::vector<int64_t>{1, 2}));
  ExpectValues(*r, {5, 6});
}

TEST(AggregationTest, ConcatRejectsTrailingShapeMismatchNamingTheNode) {
  auto r = Aggregate(AGGREGATION_CONCAT,
                     {Floats("n1", {2, 2}, {1, 2, 3, 4}),
                      Part("n2", "ward-b",
                           Tensor::FromFloats({1, 3}, {5, 6, 7}))});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find(
                "node n2 (dataset ward-b) returned [1, 3], expected [1, 2] "
                "like node n1"),
            std::string::npos)
      << r.status().message();
}

TEST(AggregationTest, ConcatRejectsScalar) {
  auto r = Aggregate(AGGREGATION_CONCAT,
                     {Floats("n1", {1}, {1}), Floats("n2", {}, {2})});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("node n2 (dataset ds-n2) returned a "
                                      "scalar"),
            std::string::npos)
      << r.status().message();
}

TEST(AggregationTest, MeanRejectsShapeMismatchNamingNodeAndDataset) {
  auto r = Aggregate(AGGREGATION_MEAN,
                     {Part("n1", "ward-a", Tensor::FromFloats({1}, {1})),
                      Part("n2", "ward-b",
                           Tensor::FromFloats({3}, {1, 2, 3}))});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "node n2 (dataset ward-b) returned [3], expected [1] like node n1");
}

TEST(AggregationTest, WeightedMeanRejectsShapeMismatch) {
  auto r = Aggregate(AGGREGATION_WEIGHTED_MEAN,
                     {Floats("n1", {2}, {1, 2}), Floats("n2", {1, 2}, {1, 2})});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("node n2"), std::string::npos);
}

TEST(AggregationTest, KeepsFloat64WhenAnyInputIsFloat64) {
  // (0.1 + 0.2) / 2 = 0.15, which float32 cannot hold exactly.
  auto r = Aggregate(
      AGGREGATION_MEAN,
      {Part("n1", "a", Tensor::FromDoubles({1}, {0.1})),
       Part("n2", "b", Tensor::FromFloats({1}, {0.2f}))});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->dtype, DType::kFloat64);
  EXPECT_DOUBLE_EQ(r->ToDoubles()[0],
                   (0.1 + static_cast<double>(0.2f)) / 2);
}

TEST(AggregationTest, IntegerOutputsBecomeFloat32) {
  // (1 + 2) / 2 = 1.5: a mean of counts is not a count.
  auto r = Aggregate(AGGREGATION_MEAN,
                     {Part("n1", "a", Tensor::FromInt64s({1}, {1})),
                      Part("n2", "b", Tensor::FromInt64s({1}, {2}))});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->dtype, DType::kFloat32);
  ExpectValues(*r, {1.5});
}

TEST(AggregationTest, RejectsNoParts) {
  auto r = Aggregate(AGGREGATION_MEAN, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(AggregationTest, RejectsUnspecifiedRule) {
  auto r = Aggregate(dim::v1::AGGREGATION_UNSPECIFIED,
                     {Floats("n1", {1}, {1})});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("AGGREGATION_UNSPECIFIED"),
            std::string::npos);
}

TEST(AggregationTest, RejectsMalformedTensorNamingTheNode) {
  Tensor broken = Tensor::FromFloats({2}, {1, 2});
  broken.data.resize(5);
  auto r = Aggregate(AGGREGATION_MEAN,
                     {Floats("n1", {2}, {1, 2}), Part("n2", "ward-b", broken)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("node n2 (dataset ward-b): ", 0), 0u)
      << r.status().message();
}

}  // namespace
}  // namespace dim::orchestrator
