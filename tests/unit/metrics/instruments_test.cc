#include "core/metrics/instruments.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace dim::metrics {
namespace {

TEST(CounterTest, OnlyGoesUp) {
  Counter c;
  c.Increment();
  c.Add(2.5);
  c.Add(-10);
  c.Add(std::nan(""));
  EXPECT_EQ(c.Value(), 3.5);
}

TEST(GaugeTest, SetsAndMovesBothWays) {
  Gauge g;
  g.Set(10);
  g.Add(-3);
  g.Add(0.5);
  EXPECT_EQ(g.Value(), 7.5);
}

TEST(HistogramTest, CountsEachObservationInItsBucket) {
  Histogram h;
  h.Observe(0.001);   // bound 24 exactly
  h.Observe(0.0011);  // above 0.001: the next bucket
  h.Observe(0.5);
  h.Observe(1e6);     // +Inf
  h.Observe(std::nan(""));
  HistogramData d = h.Read();
  ASSERT_EQ(d.bounds.size(), kNumBounds);
  ASSERT_EQ(d.counts.size(), kNumBuckets);
  EXPECT_EQ(d.count, 4u);
  EXPECT_DOUBLE_EQ(d.sum, 0.001 + 0.0011 + 0.5 + 1e6);
  EXPECT_EQ(d.counts[24], 1u);
  EXPECT_EQ(d.counts[25], 1u);
  EXPECT_EQ(d.counts[BucketIndex(0.5)], 1u);
  EXPECT_EQ(d.counts[kNumBounds], 1u);
}

TEST(TimerTest, ObservesElapsedSecondsOnce) {
  Histogram h;
  {
    Timer t(&h);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    double seconds = t.Stop();
    EXPECT_GE(seconds, 0.03);
    EXPECT_LT(seconds, 5.0);
    EXPECT_EQ(t.Stop(), 0);
  }
  HistogramData d = h.Read();
  EXPECT_EQ(d.count, 1u);
  EXPECT_GE(d.sum, 0.03);
}

TEST(TimerTest, ObservesWhenDestroyed) {
  Histogram h;
  { Timer t(&h); }
  { Timer nothing(nullptr); }
  EXPECT_EQ(h.Read().count, 1u);
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  Histogram h;
  Counter c;
  constexpr int kThreads = 4, kEach = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        h.Observe(t + 1);  // integers: the sum stays exact
        c.Increment();
      }
    });
  }
  // Reading while the others write must not disturb them.
  for (int i = 0; i < 100; ++i) h.Read();
  for (auto& th : threads) th.join();
  HistogramData d = h.Read();
  EXPECT_EQ(d.count, uint64_t{kThreads} * kEach);
  EXPECT_EQ(d.sum, double{kEach} * (1 + 2 + 3 + 4));
  EXPECT_EQ(d.counts[BucketIndex(1)], uint64_t{kEach});
  EXPECT_EQ(c.Value(), double{kThreads} * kEach);
}

}  // namespace
}  // namespace dim::metrics
