// What a histogram observation costs, alone and from two threads, and how
// far the p50/p95/p99 read from the fixed buckets are from an exact sort.
// The last line sums it up for scripts:
// METRICS observe_ns=<one thread> observe_2t_ns=<two threads, one
// histogram> p99_rel_err=<worst p99 relative error over the distributions>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "core/metrics/buckets.h"
#include "core/metrics/instruments.h"
#include "core/metrics/snapshot.h"

namespace {

using dim::metrics::Histogram;

constexpr size_t kValueMask = (1 << 16) - 1;
constexpr int kObservations = 20'000'000;
constexpr int kRepeats = 3;

// Latency-like values, cycled through by every loop so that the branch
// predictor sees realistic bucket indexes.
std::vector<double> Values() {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(std::log(0.02), 1.0);
  std::vector<double> v(kValueMask + 1);
  for (double& x : v) x = latency(rng);
  return v;
}

// The layout the real one replaces: one array of atomics that every
// thread writes, for comparison only.
struct UnshardedHistogram {
  std::array<std::atomic<uint64_t>, dim::metrics::kNumBuckets> counts{};
  std::atomic<double> sum{0};

  void Observe(double v) {
    counts[dim::metrics::BucketIndex(v)].fetch_add(
        1, std::memory_order_relaxed);
    double old = sum.load(std::memory_order_relaxed);
    while (!sum.compare_exchange_weak(old, old + v,
                                      std::memory_order_relaxed)) {
    }
  }
};

double ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// Runs body(thread) on `threads` threads started together; the best of
// kRepeats, in CPU ns per call, averaged over the threads. CPU time rather
// than wall time, so that a busy shared machine taking the CPU away from
// the benchmark does not count as the cost of an observation, while two
// threads fighting over a cache line still do.
double NsPerCall(int threads, int calls,
                 const std::function<void(int, int)>& body) {
  double best = 1e300;
  for (int r = 0; r < kRepeats; ++r) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<double> cpu(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        ++ready;
        while (!go.load()) {
        }
        double start = ThreadCpuNs();
        body(t, calls);
        cpu[t] = ThreadCpuNs() - start;
      });
    }
    while (ready.load() < threads) {
    }
    go = true;
    for (auto& th : pool) th.join();
    double total = 0;
    for (double c : cpu) total += c;
    best = std::min(best, total / threads / calls);
  }
  return best;
}

double ObserveCost(const std::vector<double>& values, int threads,
                   bool shared) {
  std::vector<std::unique_ptr<Histogram>> hs;
  for (int t = 0; t < (shared ? 1 : threads); ++t) {
    hs.push_back(std::make_unique<Histogram>());
  }
  return NsPerCall(threads, kObservations, [&](int t, int n) {
    Histogram& h = *hs[shared ? 0 : t];
    for (int i = 0; i < n; ++i) h.Observe(values[(i + t * 7919) & kValueMask]);
  });
}

double UnshardedCost(const std::vector<double>& values, int threads) {
  auto h = std::make_unique<UnshardedHistogram>();
  return NsPerCall(threads, kObservations, [&](int t, int n) {
    for (int i = 0; i < n; ++i) h->Observe(values[(i + t * 7919) & kValueMask]);
  });
}

// Just the bucket index: the fast one, and the obvious binary search.
double IndexCost(const std::vector<double>& values, bool binary_search) {
  const auto& bounds = dim::metrics::BucketBounds();
  std::atomic<size_t> sink{0};
  double ns = NsPerCall(1, kObservations, [&](int, int n) {
    size_t acc = 0;
    for (int i = 0; i < n; ++i) {
      double v = values[i & kValueMask];
      acc += binary_search
                 ? std::lower_bound(bounds.begin(), bounds.end(), v) -
                       bounds.begin()
                 : dim::metrics::BucketIndex(v);
    }
    sink += acc;
  });
  return ns;
}

struct Distribution {
  const char* name;
  std::function<double(std::mt19937_64&)> draw;
};

std::vector<Distribution> Distributions() {
  return {
      {"lognormal, median 20 ms, sigma 1",
       [](std::mt19937_64& g) {
         return std::lognormal_distribution<double>(std::log(0.02), 1)(g);
       }},
      {"lognormal, median 500 ms, sigma 0.5",
       [](std::mt19937_64& g) {
         return std::lognormal_distribution<double>(std::log(0.5), 0.5)(g);
       }},
      {"exponential, mean 100 ms",
       [](std::mt19937_64& g) {
         return std::exponential_distribution<double>(10)(g);
       }},
      {"uniform 0..1 s (edge on a bound)",
       [](std::mt19937_64& g) {
         return std::uniform_real_distribution<double>(0, 1)(g);
       }},
      {"uniform 0..2 s (edge inside a bucket)",
       [](std::mt19937_64& g) {
         return std::uniform_real_distribution<double>(0, 2)(g);
       }},
  };
}

// Relative errors at p50, p95, p99 against the sorted samples.
std::array<double, 3> QuantileErrors(const Distribution& d) {
  constexpr size_t kSamples = 1'000'000;
  std::mt19937_64 rng(7);
  std::vector<double> v(kSamples);
  Histogram h;
  for (double& x : v) {
    x = d.draw(rng);
    h.Observe(x);
  }
  std::sort(v.begin(), v.end());
  dim::metrics::HistogramData data = h.Read();
  std::array<double, 3> errors{};
  const double qs[] = {0.50, 0.95, 0.99};
  for (int i = 0; i < 3; ++i) {
    double exact = v[static_cast<size_t>(std::ceil(qs[i] * kSamples)) - 1];
    errors[i] = std::abs(dim::metrics::Quantile(data, qs[i]) / exact - 1);
  }
  return errors;
}

}  // namespace

int main() {
  std::vector<double> values = Values();
  std::printf("%-46s %10s\n", "histogram observation", "ns/obs");
  double one = ObserveCost(values, 1, true);
  double two = ObserveCost(values, 2, true);
  double apart = ObserveCost(values, 2, false);
  double unsharded_one = UnshardedCost(values, 1);
  double unsharded_two = UnshardedCost(values, 2);
  std::printf("%-46s %10.2f\n", "one thread", one);
  std::printf("%-46s %10.2f\n", "two threads, one histogram", two);
  std::printf("%-46s %10.2f\n", "two threads, a histogram each", apart);
  std::printf("%-46s %10.2f\n", "one thread, unsharded (comparison)",
              unsharded_one);
  std::printf("%-46s %10.2f\n", "two threads, unsharded (comparison)",
              unsharded_two);
  std::printf("%-46s %10.2f\n", "bucket index alone",
              IndexCost(values, false));
  std::printf("%-46s %10.2f\n", "bucket index by binary search (comparison)",
              IndexCost(values, true));

  std::printf("\n%-46s %8s %8s %8s\n",
              "quantile error vs exact sort, 1M samples", "p50", "p95",
              "p99");
  double worst_p99 = 0;
  for (const Distribution& d : Distributions()) {
    auto e = QuantileErrors(d);
    std::printf("%-46s %7.2f%% %7.2f%% %7.2f%%\n", d.name, e[0] * 100,
                e[1] * 100, e[2] * 100);
    worst_p99 = std::max(worst_p99, e[2]);
  }
  std::printf("METRICS observe_ns=%.2f observe_2t_ns=%.2f p99_rel_err=%.4f\n",
              one, two, worst_p99);
  return 0;
}
