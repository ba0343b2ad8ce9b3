#include "core/rpc/metrics_proto.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/metrics/registry.h"
#include "tests/unit/metrics/metrics_test_util.h"

namespace dim::rpc {
namespace {

using metrics::FindSample;

metrics::Snapshot Sample() {
  metrics::Registry r;
  r.CounterFamily({"dim.api.requests", "RPCs", "", {"method", "code"}})
      .WithLabels({"dim.v1.Node/RunTask", "OK"}).Add(3);
  r.GetGauge({"dim.jobs.active", "Active"}).Set(2);
  auto& h = r.GetHistogram({"dim.jobs.duration", "Time", "seconds"});
  h.Observe(0.25);
  h.Observe(12);
  return r.Collect();
}

TEST(MetricsProtoTest, RoundTripKeepsEverything) {
  metrics::Snapshot before = Sample();
  dim::v1::GetMetricsResponse wire;
  ToProto(before, wire.mutable_families());
  ASSERT_EQ(wire.families_size(), 3);
  const auto& hist = wire.families(2);
  EXPECT_EQ(hist.name(), "dim.jobs.duration");
  EXPECT_EQ(hist.kind(), dim::v1::METRIC_KIND_HISTOGRAM);
  EXPECT_EQ(hist.unit(), "seconds");
  EXPECT_EQ(hist.samples(0).bounds_size(), 78);
  EXPECT_EQ(hist.samples(0).bucket_counts_size(), 79);
  EXPECT_EQ(hist.samples(0).count(), 2u);

  auto after = FromProto(wire.families());
  ASSERT_TRUE(after.ok()) << after.status().message();
  ASSERT_EQ(after->families.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(after->families[i].name, before.families[i].name);
    EXPECT_EQ(after->families[i].help, before.families[i].help);
    EXPECT_EQ(after->families[i].kind, before.families[i].kind);
    EXPECT_EQ(after->families[i].unit, before.families[i].unit);
  }
  EXPECT_EQ(FindSample(*after, "dim.api.requests",
                       {{"method", "dim.v1.Node/RunTask"}, {"code", "OK"}})
                ->value, 3);
  const auto& h = FindSample(*after, "dim.jobs.duration")->histogram;
  const auto& h0 = FindSample(before, "dim.jobs.duration")->histogram;
  EXPECT_EQ(h.bounds, h0.bounds);
  EXPECT_EQ(h.counts, h0.counts);
  EXPECT_EQ(h.sum, 12.25);
  EXPECT_EQ(h.min, h0.min);
  EXPECT_EQ(h.max, h0.max);
  EXPECT_TRUE(std::isfinite(h.max));
}

TEST(MetricsProtoTest, HistogramWithoutExtremesReadsAsUnknown) {
  metrics::Snapshot before = Sample();
  dim::v1::GetMetricsResponse wire;
  ToProto(before, wire.mutable_families());
  wire.mutable_families(2)->mutable_samples(0)->clear_min();
  auto after = FromProto(wire.families());
  ASSERT_TRUE(after.ok()) << after.status().message();
  const auto& h = FindSample(*after, "dim.jobs.duration")->histogram;
  EXPECT_TRUE(std::isinf(h.min));
  EXPECT_TRUE(std::isinf(h.max));
}

TEST(MetricsProtoTest, RejectsHistogramWithMismatchedBuckets) {
  dim::v1::GetMetricsResponse wire;
  ToProto(Sample(), wire.mutable_families());
  wire.mutable_families(2)->mutable_samples(0)->add_bucket_counts(1);
  auto decoded = FromProto(wire.families());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), Code::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("dim.jobs.duration"),
            std::string::npos);
}

TEST(MetricsProtoTest, RejectsUnknownKind) {
  dim::v1::GetMetricsResponse wire;
  auto* f = wire.add_families();
  f->set_name("dim.odd");
  auto decoded = FromProto(wire.families());
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("dim.odd"), std::string::npos);
}

}  // namespace
}  // namespace dim::rpc
