// The instruments code records into: counters, gauges, histograms and a
// timer. All are thread-safe and never block: recording is a few atomic
// operations, so they may sit on any hot path. They are owned by a
// Registry (see registry.h) and live as long as it does; a reference kept
// from the registry stays valid.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/metrics/buckets.h"
#include "core/metrics/snapshot.h"

namespace dim::metrics {

// A total that only goes up: events, bytes, seconds spent.
class Counter {
 public:
  void Increment() { Add(1); }
  // Negative and NaN deltas are ignored: a counter that went down would
  // read as a restart to Prometheus.
  void Add(double delta);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A level that goes up and down: jobs running, queue length.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A distribution over the fixed buckets of buckets.h, usually of seconds.
// Observations from different threads mostly land in different shards,
// each on its own cache lines, so that threads do not fight over one line;
// a read adds the shards up. A read taken while observations land may see
// some of them in the buckets and not yet in the sum.
class Histogram {
 public:
  Histogram();
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // NaN is ignored.
  void Observe(double value);
  HistogramData Read() const;

 private:
  static constexpr size_t kShards = 4;
  struct alignas(64) Shard {
    std::array<std::atomic<uint64_t>, kNumBuckets> counts;
    std::atomic<double> sum;
    std::atomic<double> min;
    std::atomic<double> max;
  };
  std::array<Shard, kShards> shards_;
};

// Measures the time from its construction to Stop() or its destruction,
// whichever comes first, and observes it in seconds.
class Timer {
 public:
  using Clock = std::chrono::steady_clock;

  // A null histogram measures and records nothing.
  explicit Timer(Histogram* histogram)
      : histogram_(histogram), start_(Clock::now()) {}
  ~Timer() { Stop(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Observes and returns the seconds elapsed; later calls observe nothing
  // and return 0.
  double Stop();

 private:
  Histogram* histogram_;
  Clock::time_point start_;
  bool stopped_ = false;
};

}  // namespace dim::metrics
