#include "core/metrics/instruments.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dim::metrics {
namespace {

// std::atomic<double> has no fetch_add before C++20.
void AtomicAdd(std::atomic<double>* target, double delta) {
  double old = target->load(std::memory_order_relaxed);
  while (!target->compare_exchange_weak(old, old + delta,
                                        std::memory_order_relaxed)) {
  }
}

// Each thread keeps to one shard, handed out in turn as threads first
// observe: two busy threads get two different shards.
size_t ThreadShard(size_t shards) {
  static std::atomic<size_t> next{0};
  thread_local size_t mine = next.fetch_add(1, std::memory_order_relaxed);
  return mine % shards;
}

}  // namespace

void Counter::Add(double delta) {
  if (!(delta > 0)) return;
  AtomicAdd(&value_, delta);
}

void Gauge::Add(double delta) { AtomicAdd(&value_, delta); }

Histogram::Histogram() {
  for (Shard& shard : shards_) {
    for (auto& c : shard.counts) c.store(0, std::memory_order_relaxed);
    shard.sum.store(0, std::memory_order_relaxed);
    shard.min.store(std::numeric_limits<double>::infinity(),
                    std::memory_order_relaxed);
    shard.max.store(-std::numeric_limits<double>::infinity(),
                    std::memory_order_relaxed);
  }
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  Shard& shard = shards_[ThreadShard(kShards)];
  shard.counts[BucketIndex(value)].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(&shard.sum, value);
  // Once the extremes have settled these are two loads and no store.
  double low = shard.min.load(std::memory_order_relaxed);
  while (value < low && !shard.min.compare_exchange_weak(
                            low, value, std::memory_order_relaxed)) {
  }
  double high = shard.max.load(std::memory_order_relaxed);
  while (value > high && !shard.max.compare_exchange_weak(
                             high, value, std::memory_order_relaxed)) {
  }
}

HistogramData Histogram::Read() const {
  const Bounds& bounds = BucketBounds();
  HistogramData out;
  out.bounds.assign(bounds.begin(), bounds.end());
  out.counts.assign(kNumBuckets, 0);
  for (const Shard& shard : shards_) {
    for (size_t i = 0; i < kNumBuckets; ++i) {
      out.counts[i] += shard.counts[i].load(std::memory_order_relaxed);
    }
    out.sum += shard.sum.load(std::memory_order_relaxed);
    out.min = std::min(out.min, shard.min.load(std::memory_order_relaxed));
    out.max = std::max(out.max, shard.max.load(std::memory_order_relaxed));
  }
  for (uint64_t c : out.counts) out.count += c;
  return out;
}

double Timer::Stop() {
  if (stopped_) return 0;
  stopped_ = true;
  double seconds =
      std::chrono::duration<double>(Clock::now() - start_).count();
  if (histogram_) histogram_->Observe(seconds);
  return seconds;
}

}  // namespace dim::metrics
