#include "tests/bench/bench_stats.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace dim::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> sorted, double q) {
  size_t index = static_cast<size_t>(q * (sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

Latency Measure(const std::function<void()>& op, int count, int warmup) {
  for (int i = 0; i < warmup; ++i) op();
  std::vector<double> us;
  us.reserve(count);
  for (int i = 0; i < count; ++i) {
    auto start = Clock::now();
    op();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() -
                                                           start).count());
  }
  std::sort(us.begin(), us.end());
  return Latency{Percentile(us, 0.50), Percentile(us, 0.99), us.size()};
}

double Throughput(const std::function<void(int)>& op, int threads,
                  std::chrono::milliseconds duration) {
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::vector<std::thread> pool;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (!stop.load(std::memory_order_relaxed)) {
        op(t);
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& th : pool) th.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  return done.load() / secs;
}

}  // namespace dim::bench
