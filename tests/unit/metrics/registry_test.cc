#include "core/metrics/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/unit/metrics/metrics_test_util.h"

namespace dim::metrics {
namespace {

TEST(RegistryTest, DeclaringTwiceGivesTheSameMetric) {
  Registry r;
  Counter& a = r.GetCounter({"dim.test.events", "Events"});
  Counter& b = r.GetCounter({"dim.test.events", "Other help"});
  EXPECT_EQ(&a, &b);
  auto& f1 = r.CounterFamily({"dim.test.by", "By", "", {"kind"}});
  auto& f2 = r.CounterFamily({"dim.test.by", "By", "", {"kind"}});
  EXPECT_EQ(&f1, &f2);
  EXPECT_EQ(&f1.WithLabels({"x"}), &f2.WithLabels({"x"}));
  EXPECT_TRUE(r.Problems().empty());
}

TEST(RegistryTest, ConflictingDeclarationWorksButIsNotExported) {
  Registry r;
  r.GetCounter({"dim.test.thing", "A counter"}).Increment();
  Gauge& g = r.GetGauge({"dim.test.thing", "Now a gauge"});
  g.Set(42);  // must not crash
  Counter& other_labels =
      r.CounterFamily({"dim.test.thing", "Labelled", "", {"x"}})
          .WithLabels({"y"});
  other_labels.Increment();

  Snapshot s = r.Collect();
  ASSERT_EQ(s.families.size(), 1u);
  EXPECT_EQ(s.families[0].kind, Kind::kCounter);
  EXPECT_EQ(s.families[0].samples[0].value, 1);
  auto problems = r.Problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("dim.test.thing"), std::string::npos);
  EXPECT_NE(problems[0].find("gauge"), std::string::npos);
  // Declaring the refused one again adds no second complaint.
  r.GetGauge({"dim.test.thing", "Now a gauge"});
  EXPECT_EQ(r.Problems().size(), 2u);
}

TEST(RegistryTest, RefusesBadNamesAndLabels) {
  Registry r;
  r.GetCounter({"9lives", "Bad name"}).Increment();
  r.CounterFamily({"dim.ok", "Reserved label", "", {"__x"}})
      .WithLabels({"a"}).Increment();
  r.HistogramFamily({"dim.h", "le is taken", "seconds", {"le"}})
      .WithLabels({"a"}).Observe(1);
  r.GaugeFamily({"dim.g", "Twice", "", {"a", "a"}})
      .WithLabels({"1", "2"}).Set(1);
  EXPECT_TRUE(r.Collect().families.empty());
  auto problems = r.Problems();
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_NE(problems[0].find("9lives"), std::string::npos);
  EXPECT_NE(problems[1].find("__x"), std::string::npos);
  EXPECT_NE(problems[2].find("'le'"), std::string::npos);
  EXPECT_NE(problems[3].find("twice"), std::string::npos);
}

TEST(RegistryTest, LabelSetsBeyondTheLimitShareTheOverflowChild) {
  Registry r;
  auto& f = r.CounterFamily({"dim.test.nodes", "By node", "", {"node"}, 3});
  for (const char* node : {"a", "b", "c", "d", "e", "a"}) {
    f.WithLabels({node}).Increment();
  }
  f.WithLabels({"too", "many"}).Increment();
  EXPECT_EQ(&f.WithLabels({"d"}), &f.WithLabels({"zzz"}));

  Snapshot s = r.Collect();
  ASSERT_EQ(s.families.size(), 1u);
  ASSERT_EQ(s.families[0].samples.size(), 4u);
  EXPECT_EQ(FindSample(s, "dim.test.nodes", {{"node", "a"}})->value, 2);
  EXPECT_EQ(FindSample(s, "dim.test.nodes", {{"node", "c"}})->value, 1);
  EXPECT_EQ(FindSample(s, "dim.test.nodes", {{"node", "d"}}), nullptr);
  const Sample* overflow =
      FindSample(s, "dim.test.nodes", {{"node", kOverflowLabelValue}});
  ASSERT_NE(overflow, nullptr);
  EXPECT_EQ(overflow->value, 3);
}

TEST(RegistryTest, UnlabelledMetricIsOneSeries) {
  Registry r;
  auto& f = r.CounterFamily({"dim.test.plain", "Plain"});
  f.WithLabels({}).Increment();
  f.WithLabels({"stray"}).Increment();
  Snapshot s = r.Collect();
  ASSERT_EQ(s.families.size(), 1u);
  ASSERT_EQ(s.families[0].samples.size(), 1u);
  EXPECT_EQ(s.families[0].samples[0].value, 2);
}

TEST(RegistryTest, CollectSortsFamiliesAndLeavesOutEmptyOnes) {
  Registry r;
  r.GetGauge({"dim.b", "B"}).Set(1);
  r.GetCounter({"dim.a", "A"});
  r.CounterFamily({"dim.c", "No children yet", "", {"x"}});
  r.GetHistogram({"dim.d", "D", "seconds"}).Observe(0.25);
  Snapshot s = r.Collect();
  ASSERT_EQ(s.families.size(), 3u);
  EXPECT_EQ(s.families[0].name, "dim.a");
  EXPECT_EQ(s.families[1].name, "dim.b");
  EXPECT_EQ(s.families[2].name, "dim.d");
  EXPECT_EQ(s.families[2].unit, "seconds");
  EXPECT_EQ(s.families[2].samples[0].histogram.count, 1u);
}

TEST(RegistryTest, CallbackGaugeIsReadAtCollectionUntilReleased) {
  Registry r;
  int calls = 0;
  {
    CallbackHandle handle = r.AddCallbackGauge(
        {"dim.test.nodes.total", "Nodes", "", {"state"}}, [&calls] {
          ++calls;
          return std::vector<GaugeReading>{{{"ALIVE"}, 3}, {{"DEAD"}, 1},
                                           {{"too", "many"}, 9}};
        });
    EXPECT_TRUE(handle.active());
    Snapshot s = r.Collect();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(FindSample(s, "dim.test.nodes.total",
                         {{"state", "ALIVE"}})->value, 3);
    EXPECT_EQ(FindFamily(s, "dim.test.nodes.total")->samples.size(), 2u);
    EXPECT_EQ(FindFamily(s, "dim.test.nodes.total")->kind, Kind::kGauge);

    CallbackHandle twice =
        r.AddCallbackGauge({"dim.test.nodes.total", "Again"}, [] {
          return std::vector<GaugeReading>{};
        });
    EXPECT_FALSE(twice.active());
    EXPECT_EQ(r.Problems().size(), 1u);
  }
  Snapshot released = r.Collect();
  EXPECT_EQ(FindFamily(released, "dim.test.nodes.total"), nullptr);
  EXPECT_EQ(calls, 1);
  // The name is free again once released.
  CallbackHandle again = r.AddCallbackGauge(
      {"dim.test.nodes.total", "Nodes"},
      [] { return std::vector<GaugeReading>{{{}, 5}}; });
  EXPECT_TRUE(again.active());
  Snapshot now = r.Collect();
  EXPECT_EQ(FindSample(now, "dim.test.nodes.total")->value, 5);
}

TEST(RegistryTest, CallbackGaugeNameTakenByAnInstrumentIsRefused) {
  Registry r;
  r.GetGauge({"dim.test.level", "Level"}).Set(1);
  CallbackHandle h = r.AddCallbackGauge(
      {"dim.test.level", "Level"},
      [] { return std::vector<GaugeReading>{{{}, 2}}; });
  EXPECT_FALSE(h.active());
  Snapshot later = r.Collect();
  EXPECT_EQ(FindSample(later, "dim.test.level")->value, 1);
}

// A handle released while another thread collects: the callback must
// never run after its handle is gone (it reads a dead object otherwise,
// which the sanitizer build would catch).
TEST(RegistryTest, ReleasingAHandleWaitsForARunningCallback) {
  Registry r;
  std::atomic<bool> stop{false};
  std::thread collector([&] {
    while (!stop) r.Collect();
  });
  for (int i = 0; i < 300; ++i) {
    auto owned = std::make_unique<std::atomic<int>>(i);
    CallbackHandle h = r.AddCallbackGauge(
        {"dim.test.churn", "Churn"}, [p = owned.get()] {
          return std::vector<GaugeReading>{{{}, double(p->load())}};
        });
    ASSERT_TRUE(h.active());
    std::this_thread::yield();
    h.Reset();
    owned.reset();
  }
  stop = true;
  collector.join();
}

TEST(RegistryTest, DefaultIsOneRegistryForTheProcess) {
  EXPECT_EQ(&Default(), &Default());
}

}  // namespace
}  // namespace dim::metrics
