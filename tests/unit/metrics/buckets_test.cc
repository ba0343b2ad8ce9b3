#include "core/metrics/buckets.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace dim::metrics {
namespace {

// The index by definition: the first bound at or above the value.
size_t SlowIndex(double value) {
  const Bounds& b = BucketBounds();
  for (size_t i = 0; i < b.size(); ++i) {
    if (value <= b[i]) return i;
  }
  return kNumBounds;
}

TEST(BucketsTest, BoundsAreEightPerDecadeFromOneMicrosecond) {
  const Bounds& b = BucketBounds();
  EXPECT_EQ(b.front(), 1e-6);
  EXPECT_EQ(b[8], 1e-5);
  EXPECT_EQ(b[45], 0.421697);
  EXPECT_EQ(b[48], 1.0);
  EXPECT_EQ(b[49], 1.33352);
  EXPECT_EQ(b[72], 1000.0);
  EXPECT_EQ(b.back(), 4216.97);
  for (size_t i = 1; i < b.size(); ++i) {
    EXPECT_NEAR(b[i] / b[i - 1], std::pow(10.0, 1.0 / 8), 1e-5) << i;
  }
}

TEST(BucketsTest, IndexAgreesWithLinearSearch) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-8, 5);
  for (int i = 0; i < 200000; ++i) {
    double v = std::pow(10.0, exponent(rng));
    ASSERT_EQ(BucketIndex(v), SlowIndex(v)) << v;
  }
}

TEST(BucketsTest, ValuesOnAndNextToEachBoundLandCorrectly) {
  const double inf = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < kNumBounds; ++i) {
    double bound = BucketBounds()[i];
    EXPECT_EQ(BucketIndex(bound), i) << bound;
    EXPECT_EQ(BucketIndex(std::nextafter(bound, inf)), i + 1) << bound;
    EXPECT_EQ(BucketIndex(std::nextafter(bound, 0.0)), i) << bound;
  }
}

TEST(BucketsTest, ExtremesGoToTheEndBuckets) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(BucketIndex(0), 0u);
  EXPECT_EQ(BucketIndex(-5), 0u);
  EXPECT_EQ(BucketIndex(-inf), 0u);
  EXPECT_EQ(BucketIndex(std::numeric_limits<double>::denorm_min()), 0u);
  EXPECT_EQ(BucketIndex(1e9), kNumBounds);
  EXPECT_EQ(BucketIndex(inf), kNumBounds);
  EXPECT_EQ(BucketIndex(std::nan("")), kNumBounds);
}

}  // namespace
}  // namespace dim::metrics
