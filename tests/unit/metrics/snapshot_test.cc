#include "core/metrics/snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/metrics/registry.h"
#include "tests/unit/metrics/metrics_test_util.h"

namespace dim::metrics {
namespace {

HistogramData Small(std::vector<uint64_t> counts) {
  HistogramData h;
  h.bounds = {1, 2, 4};
  h.counts = std::move(counts);
  for (uint64_t c : h.counts) h.count += c;
  return h;
}

// What one server would report.
Snapshot ServerSnapshot(double submitted, double active,
                        const std::vector<double>& durations) {
  Registry r;
  r.CounterFamily({"dim.jobs.submitted", "Jobs", "", {"pattern"}})
      .WithLabels({"chained"}).Add(submitted);
  r.GetGauge({"dim.jobs.active", "Active"}).Set(active);
  for (double d : durations) {
    r.GetHistogram({"dim.jobs.duration", "Duration", "seconds"}).Observe(d);
  }
  return r.Collect();
}

TEST(MergeTest, AddsCountersGaugesAndHistogramBuckets) {
  Snapshot a = ServerSnapshot(3, 1, {0.1, 0.2});
  Snapshot b = ServerSnapshot(4, 2, {0.2, 30});
  std::string error;
  ASSERT_TRUE(Merge(b, &a, &error)) << error;
  EXPECT_EQ(FindSample(a, "dim.jobs.submitted",
                       {{"pattern", "chained"}})->value, 7);
  EXPECT_EQ(FindSample(a, "dim.jobs.active")->value, 3);
  const HistogramData& h = FindSample(a, "dim.jobs.duration")->histogram;
  EXPECT_EQ(h.count, 4u);
  EXPECT_DOUBLE_EQ(h.sum, 30.5);
  EXPECT_EQ(h.counts[BucketIndex(0.2)], 2u);
  EXPECT_EQ(h.counts[BucketIndex(30)], 1u);
}

TEST(MergeTest, CopiesWhatOnlyOneSideHasAndMatchesLabelsInAnyOrder) {
  Snapshot into;
  Snapshot from;
  FamilySnapshot f{"dim.api.requests", "RPCs", Kind::kCounter, "", {}};
  Sample s;
  s.labels = {{"method", "m"}, {"code", "OK"}};
  s.value = 2;
  f.samples = {s};
  into.families = {f};
  std::reverse(s.labels.begin(), s.labels.end());
  Sample other;
  other.labels = {{"method", "m"}, {"code", "NOT_FOUND"}};
  other.value = 1;
  f.samples = {s, other};
  from.families = {f, FamilySnapshot{"dim.a", "", Kind::kGauge, "", {s}}};

  std::string error;
  ASSERT_TRUE(Merge(from, &into, &error)) << error;
  ASSERT_EQ(into.families.size(), 2u);
  EXPECT_EQ(into.families[0].name, "dim.a");  // sorted by name
  const FamilySnapshot& requests = into.families[1];
  ASSERT_EQ(requests.samples.size(), 2u);
  EXPECT_EQ(requests.samples[0].value, 4);
  EXPECT_EQ(requests.samples[1].value, 1);
}

TEST(MergeTest, RefusesAKindMismatchAndLeavesTheTargetAlone) {
  Snapshot a = ServerSnapshot(3, 1, {0.1});
  Snapshot b;
  b.families.push_back(
      FamilySnapshot{"dim.jobs.submitted", "", Kind::kGauge, "", {}});
  Snapshot before = a;
  std::string error;
  EXPECT_FALSE(Merge(b, &a, &error));
  EXPECT_NE(error.find("dim.jobs.submitted"), std::string::npos);
  EXPECT_NE(error.find("gauge"), std::string::npos);
  EXPECT_EQ(FindSample(a, "dim.jobs.submitted",
                       {{"pattern", "chained"}})->value, 3);
  EXPECT_EQ(a.families.size(), before.families.size());
}

TEST(MergeTest, RefusesHistogramsWithOtherBounds) {
  Snapshot a = ServerSnapshot(1, 1, {0.1});
  Snapshot b = a;
  for (auto& f : b.families) {
    if (f.kind == Kind::kHistogram) f.samples[0].histogram = Small({1, 0, 0, 0});
  }
  std::string error;
  EXPECT_FALSE(Merge(b, &a, &error));
  EXPECT_NE(error.find("dim.jobs.duration"), std::string::npos);
}

TEST(QuantileTest, EmptyHistogramHasNone) {
  EXPECT_TRUE(std::isnan(Quantile(Small({0, 0, 0, 0}), 0.5)));
}

TEST(QuantileTest, InterpolatesInsideTheBucket) {
  // 10 in (0,1], 10 in (1,2], 20 in (2,4].
  HistogramData h = Small({10, 10, 20, 0});
  EXPECT_DOUBLE_EQ(Quantile(h, 0.125), 0.5);   // rank 5 of 10 in (0,1]
  EXPECT_DOUBLE_EQ(Quantile(h, 0.25), 1.0);    // the top of the first
  EXPECT_DOUBLE_EQ(Quantile(h, 0.375), 1.5);
  EXPECT_DOUBLE_EQ(Quantile(h, 0.75), 3.0);    // rank 30: half of (2,4]
  EXPECT_DOUBLE_EQ(Quantile(h, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(Quantile(h, 0.0), 0.0);
}

TEST(QuantileTest, SkipsEmptyBucketsAndAnswersTheTopBoundForInf) {
  HistogramData h = Small({0, 4, 0, 4});
  EXPECT_DOUBLE_EQ(Quantile(h, 0.25), 1.5);
  EXPECT_DOUBLE_EQ(Quantile(h, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(Quantile(h, 0.99), 4.0);
}

double Exact(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::ceil(q * v.size())) - 1];
}

// Relative errors of p50, p95 and p99 from the buckets, against the sorted
// values.
std::vector<double> Errors(const std::vector<double>& values) {
  Histogram h;
  for (double v : values) h.Observe(v);
  HistogramData d = h.Read();
  std::vector<double> errors;
  for (double q : {0.5, 0.95, 0.99}) {
    errors.push_back(std::abs(Quantile(d, q) / Exact(values, q) - 1));
  }
  return errors;
}

TEST(QuantileTest, SmoothLatenciesWithinAFewPercentOfAnExactSort) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> latency(std::log(0.02), 1.0);
  std::vector<double> v(200000);
  for (double& x : v) x = latency(rng);
  for (double e : Errors(v)) EXPECT_LT(e, 0.05);
}

// Where the values stop inside a bucket (nothing above 2 s here), the
// largest value observed bounds the top bucket: without it the estimate
// would spread the bucket's count up to its bound, 2.37 s, and be off by
// as much as the bucket is wide.
TEST(QuantileTest, ObservedExtremesNarrowTheEdgeBuckets) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> uniform(0.001, 2.0);
  std::vector<double> v(200000);
  for (double& x : v) x = uniform(rng);
  for (double e : Errors(v)) EXPECT_LT(e, 0.01);

  HistogramData h = Small({0, 0, 10, 0});  // ten in (2, 4]
  EXPECT_DOUBLE_EQ(Quantile(h, 1.0), 4.0);
  h.min = 2.5;
  h.max = 3.0;
  EXPECT_DOUBLE_EQ(Quantile(h, 0.0), 2.5);
  EXPECT_DOUBLE_EQ(Quantile(h, 0.5), 2.75);
  EXPECT_DOUBLE_EQ(Quantile(h, 1.0), 3.0);
}

TEST(QuantileTest, TheInfBucketAnswersTheLargestValueSeen) {
  HistogramData h = Small({0, 0, 0, 4});
  EXPECT_DOUBLE_EQ(Quantile(h, 0.5), 4.0);
  h.min = 9;
  h.max = 12;
  EXPECT_DOUBLE_EQ(Quantile(h, 0.5), 12.0);
}

TEST(QuantileTest, MergedServersGiveTheQuantilesOfAllTheirObservations) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> latency(std::log(0.5), 0.7);
  Histogram one, left, right;
  for (int i = 0; i < 50000; ++i) {
    double v = latency(rng);
    one.Observe(v);
    (i % 3 ? left : right).Observe(v);
  }
  auto wrap = [](const Histogram& h) {
    Snapshot s;
    s.families.push_back(FamilySnapshot{"dim.x", "", Kind::kHistogram,
                                        "seconds", {Sample{{}, 0, h.Read()}}});
    return s;
  };
  Snapshot merged = wrap(left);
  std::string error;
  ASSERT_TRUE(Merge(wrap(right), &merged, &error)) << error;
  const HistogramData& m = merged.families[0].samples[0].histogram;
  HistogramData all = one.Read();
  EXPECT_EQ(m.counts, all.counts);
  EXPECT_EQ(m.min, all.min);
  EXPECT_EQ(m.max, all.max);
  for (double q : {0.5, 0.95, 0.99}) {
    EXPECT_DOUBLE_EQ(Quantile(m, q), Quantile(all, q));
  }
}

}  // namespace
}  // namespace dim::metrics
