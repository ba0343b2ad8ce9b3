#include "core/security/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace dim::security {
namespace {

// Past this many buckets, those that have refilled are dropped.
constexpr size_t kMaxBuckets = 10000;

double PerSecond(const BucketConfig& limit) {
  return limit.per_minute / 60.0;
}

// How long until a bucket holding `tokens` has one.
std::chrono::milliseconds RetryAfter(double tokens, const BucketConfig& limit) {
  if (tokens >= 1) return std::chrono::milliseconds(0);
  double wait_s = (1 - tokens) / PerSecond(limit);
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::ceil(wait_s * 1000)));
}

}  // namespace

RateLimiter::RateLimiter(BucketConfig defaults,
                         std::map<std::string, BucketConfig> users)
    : defaults_(defaults), users_(std::move(users)) {}

BucketConfig RateLimiter::LimitFor(const std::string& user) const {
  auto it = users_.find(user);
  return it == users_.end() ? defaults_ : it->second;
}

RateLimiter::Bucket& RateLimiter::RefillLocked(const std::string& user,
                                               const BucketConfig& limit,
                                               Clock::time_point now) {
  auto [it, created] = buckets_.try_emplace(user);
  Bucket& bucket = it->second;
  if (created) {
    bucket.tokens = limit.burst;
  } else {
    double elapsed =
        std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min<double>(
        limit.burst, bucket.tokens + std::max(0.0, elapsed) *
                                         PerSecond(limit));
  }
  bucket.updated = now;
  return bucket;
}

void RateLimiter::ForgetFullLocked(Clock::time_point now) {
  if (buckets_.size() < kMaxBuckets) return;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    BucketConfig limit = LimitFor(it->first);
    double elapsed =
        std::chrono::duration<double>(now - it->second.updated).count();
    bool full = it->second.tokens + elapsed * PerSecond(limit) >= limit.burst;
    it = full ? buckets_.erase(it) : std::next(it);
  }
}

Decision RateLimiter::Admit(const std::string& user, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  ForgetFullLocked(now);
  Decision decision;
  decision.limit = LimitFor(user);
  Bucket& bucket = RefillLocked(user, decision.limit, now);
  decision.admitted = bucket.tokens >= 1;
  if (decision.admitted) bucket.tokens -= 1;
  decision.retry_after = RetryAfter(bucket.tokens, decision.limit);
  if (decision.admitted) decision.retry_after = {};
  decision.tokens = bucket.tokens;
  return decision;
}

Decision RateLimiter::Peek(const std::string& user, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  Decision decision;
  decision.limit = LimitFor(user);
  Bucket& bucket = RefillLocked(user, decision.limit, now);
  decision.admitted = bucket.tokens >= 1;
  decision.tokens = bucket.tokens;
  decision.retry_after = RetryAfter(bucket.tokens, decision.limit);
  return decision;
}

}  // namespace dim::security
