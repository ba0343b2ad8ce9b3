#include "core/metrics/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/metrics/registry.h"
#include "tests/support/process.h"

namespace dim::metrics {
namespace {

TEST(PrometheusTest, NamesFollowTheConventions) {
  FamilySnapshot f{"dim.jobs.duration", "", Kind::kHistogram, "seconds", {}};
  EXPECT_EQ(PrometheusName(f), "dim_jobs_duration_seconds");
  f = {"dim.api.requests", "", Kind::kCounter, "", {}};
  EXPECT_EQ(PrometheusName(f), "dim_api_requests_total");
  f = {"dim.cpu.seconds", "", Kind::kCounter, "seconds", {}};
  EXPECT_EQ(PrometheusName(f), "dim_cpu_seconds_total");
  f = {"dim.sent_total", "", Kind::kCounter, "", {}};
  EXPECT_EQ(PrometheusName(f), "dim_sent_total");
  f = {"dim.jobs.active", "", Kind::kGauge, "", {}};
  EXPECT_EQ(PrometheusName(f), "dim_jobs_active");
  f = {"dim.nodes.total", "", Kind::kGauge, "", {}};
  EXPECT_EQ(PrometheusName(f), "dim_nodes");
  f = {"1st-try", "", Kind::kGauge, "bytes", {}};
  EXPECT_EQ(PrometheusName(f), "_1st_try_bytes");
}

TEST(PrometheusTest, NumbersReadBackExactly) {
  EXPECT_EQ(FormatNumber(3), "3");
  EXPECT_EQ(FormatNumber(0.5), "0.5");
  EXPECT_EQ(FormatNumber(1e-6), "1e-06");
  EXPECT_EQ(FormatNumber(1.33352), "1.33352");
  EXPECT_EQ(FormatNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatNumber(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatNumber(std::nan("")), "NaN");
}

TEST(PrometheusTest, RendersTheTextFormatExactly) {
  Snapshot s;
  FamilySnapshot counter{"dim.api.requests", "RPCs answered\\by code\nok",
                         Kind::kCounter, "", {}};
  counter.samples.push_back(
      Sample{{{"method", "a\"b\\c\nd"}, {"code", "OK"}}, 12, {}});
  FamilySnapshot gauge{"dim.jobs.active", "Jobs running", Kind::kGauge, "",
                       {Sample{{}, -1.5, {}}}};
  HistogramData h;
  h.bounds = {0.001, 0.01, 1};
  h.counts = {1, 0, 2, 1};
  h.count = 4;
  h.sum = 7.25;
  FamilySnapshot hist{"dim.jobs.duration", "Job time", Kind::kHistogram,
                      "seconds", {Sample{{{"pattern", "chained"}}, 0, h}}};
  FamilySnapshot empty{"dim.nothing", "No samples", Kind::kGauge, "", {}};
  s.families = {counter, gauge, hist, empty};

  EXPECT_EQ(RenderPrometheus(s),
            "# HELP dim_api_requests_total RPCs answered\\\\by code\\nok\n"
            "# TYPE dim_api_requests_total counter\n"
            "dim_api_requests_total{method=\"a\\\"b\\\\c\\nd\",code=\"OK\"} "
            "12\n"
            "# HELP dim_jobs_active Jobs running\n"
            "# TYPE dim_jobs_active gauge\n"
            "dim_jobs_active -1.5\n"
            "# HELP dim_jobs_duration_seconds Job time\n"
            "# TYPE dim_jobs_duration_seconds histogram\n"
            "dim_jobs_duration_seconds_bucket{pattern=\"chained\","
            "le=\"0.001\"} 1\n"
            "dim_jobs_duration_seconds_bucket{pattern=\"chained\","
            "le=\"0.01\"} 1\n"
            "dim_jobs_duration_seconds_bucket{pattern=\"chained\",le=\"1\"} "
            "3\n"
            "dim_jobs_duration_seconds_bucket{pattern=\"chained\","
            "le=\"+Inf\"} 4\n"
            "dim_jobs_duration_seconds_sum{pattern=\"chained\"} 7.25\n"
            "dim_jobs_duration_seconds_count{pattern=\"chained\"} 4\n");
}

TEST(PrometheusTest, RegistryHistogramHasEveryBucketCumulatively) {
  Registry r;
  Histogram& h = r.GetHistogram({"dim.x", "X", "seconds"});
  h.Observe(2e-6);
  h.Observe(1);
  h.Observe(99999);
  std::string text = RenderPrometheus(r.Collect());
  EXPECT_NE(text.find("dim_x_seconds_bucket{le=\"1e-06\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("dim_x_seconds_bucket{le=\"2.37137e-06\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("dim_x_seconds_bucket{le=\"0.749894\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("dim_x_seconds_bucket{le=\"1\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("dim_x_seconds_bucket{le=\"4216.97\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("dim_x_seconds_bucket{le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("dim_x_seconds_count 3\n"), std::string::npos);
  size_t buckets = 0;
  for (size_t at = 0; (at = text.find("_bucket{", at)) != std::string::npos;
       ++at) {
    ++buckets;
  }
  EXPECT_EQ(buckets, kNumBuckets);
}

// The names the system has always had, as the server exports them.
Registry& SystemLikeRegistry() {
  static Registry r;
  r.CounterFamily({"dim.jobs.submitted", "Jobs accepted, by pattern", "",
                   {"pattern"}}).WithLabels({"chained"}).Increment();
  r.CounterFamily({"dim.jobs.completed", "Jobs ended, by state", "",
                   {"status"}}).WithLabels({"failed"}).Increment();
  r.GetHistogram({"dim.jobs.duration", "Job time", "seconds"}).Observe(1.5);
  r.GetGauge({"dim.jobs.active", "Jobs running"}).Set(2);
  r.CounterFamily({"dim.nodes.selected", "Tasks sent, by node", "",
                   {"node"}}).WithLabels({"n \"1\"\\x\ny"}).Increment();
  static CallbackHandle nodes = r.AddCallbackGauge(
      {"dim.nodes.total", "Nodes by state", "", {"state"}}, [] {
        return std::vector<GaugeReading>{{{"alive"}, 3}, {{"dead"}, 0}};
      });
  r.CounterFamily({"dim.api.requests", "RPCs", "", {"method", "code"}})
      .WithLabels({"dim.v1.Node/RunTask", "OK"}).Increment();
  r.HistogramFamily({"dim.api.duration", "RPC time", "seconds",
                     {"method"}}).WithLabels({"dim.v1.Node/RunTask"})
      .Observe(0.004);
  return r;
}

TEST(PrometheusTest, PromtoolAcceptsTheOutput) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  dim::testing::TempDir dir;
  std::string path = dir.path() + "/metrics.txt";
  dim::testing::WriteFile(path, RenderPrometheus(SystemLikeRegistry().Collect()));
  auto result = dim::testing::Run(
      {"/bin/sh", "-c", "promtool check metrics < '" + path + "'"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out + result.err, "");
}

TEST(PrometheusTest, PromtoolRejectsABrokenExposition) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  // The check above means something only if promtool does complain.
  dim::testing::TempDir dir;
  std::string path = dir.path() + "/metrics.txt";
  dim::testing::WriteFile(path, "# TYPE x counter\nx{a=\"b} 1\n");
  auto result = dim::testing::Run(
      {"/bin/sh", "-c", "promtool check metrics < '" + path + "'"});
  EXPECT_NE(result.exit_code, 0);
}

}  // namespace
}  // namespace dim::metrics
