// Latency samples and their percentiles, and a loop that keeps N threads
// calling something for a fixed time.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace dim::bench {

struct Latency {
  double p50_us = 0;
  double p99_us = 0;
  size_t samples = 0;
};

// Calls `op` `count` times after `warmup` unmeasured calls.
Latency Measure(const std::function<void()>& op, int count, int warmup);

// Runs `op(thread_index)` from `threads` threads for `duration`; returns
// completed calls per second.
double Throughput(const std::function<void(int)>& op, int threads,
                  std::chrono::milliseconds duration);

}  // namespace dim::bench
