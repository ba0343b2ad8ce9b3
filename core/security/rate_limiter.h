// Per-user token buckets for job submissions: a user may submit
// `per_minute` jobs a minute on average and `burst` at once. Buckets of
// users who have been idle long enough to be full again are forgotten, so
// the table stays small. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace dim::security {

struct BucketConfig {
  int per_minute = 120;
  int burst = 20;
};

struct Decision {
  bool admitted = false;
  double tokens = 0;  // left after this request
  BucketConfig limit;
  // When refused: how long until one token is back.
  std::chrono::milliseconds retry_after{0};
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(BucketConfig defaults, std::map<std::string, BucketConfig> users);

  // Takes one token from the user's bucket if there is one.
  Decision Admit(const std::string& user, Clock::time_point now);
  // The bucket as it stands, taking nothing.
  Decision Peek(const std::string& user, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  BucketConfig LimitFor(const std::string& user) const;
  // Refills the user's bucket up to `now`; creates it full.
  Bucket& RefillLocked(const std::string& user, const BucketConfig& limit,
                       Clock::time_point now);
  void ForgetFullLocked(Clock::time_point now);

  const BucketConfig defaults_;
  const std::map<std::string, BucketConfig> users_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;  // guarded by mutex_
};

}  // namespace dim::security
