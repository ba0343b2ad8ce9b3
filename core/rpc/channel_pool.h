// Keeps gRPC channels to peers open between calls, so that dispatching a
// task does not pay for a new TCP (and TLS) connection every time.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dim::rpc {

// Whether the pool closes idle channels on its own.
enum class Janitor {
  // A background thread calls CloseIdle every idle_timeout / 2.
  kBackground,
  // Only the owner's calls to CloseIdle close channels.
  kManual,
};

struct PoolOptions {
  // Channels kept per endpoint; each is its own TCP connection.
  int max_channels_per_endpoint = 2;
  // A channel not handed out for this long is dropped by CloseIdle; zero
  // or less keeps channels until the pool is destroyed.
  std::chrono::milliseconds idle_timeout{60000};
  int max_message_bytes = 64 << 20;
  // Null means plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  Janitor janitor = Janitor::kBackground;
};

// Thread-safe. A channel handed out stays usable for as long as the caller
// holds it, even after the pool drops or replaces it.
class ChannelPool {
 public:
  explicit ChannelPool(PoolOptions options);
  ~ChannelPool();
  ChannelPool(const ChannelPool&) = delete;
  ChannelPool& operator=(const ChannelPool&) = delete;

  // Returns a channel to `endpoint` ("host:port", or any gRPC target).
  // Channels are created lazily until the endpoint has
  // max_channels_per_endpoint of them, then handed out in turn. A channel
  // found shut down or in TRANSIENT_FAILURE is replaced by a fresh one
  // before it is handed out, so a peer that restarted is reached again
  // without waiting for the old channel's reconnect backoff.
  std::shared_ptr<grpc::Channel> Get(const std::string& endpoint);

  // Drops channels not handed out since `now - idle_timeout` and returns
  // how many. Does nothing when idle_timeout is not positive.
  int CloseIdle(std::chrono::steady_clock::time_point now);

  struct Stats {
    size_t endpoints = 0;
    size_t channels = 0;
    // Every channel made, replacements included.
    uint64_t created = 0;
    // Get calls answered with an existing channel.
    uint64_t reused = 0;
    // Broken channels swapped for fresh ones.
    uint64_t replaced = 0;
    uint64_t closed_idle = 0;
  };
  Stats GetStats() const;

 private:
  struct Pooled {
    std::shared_ptr<grpc::Channel> channel;
    std::chrono::steady_clock::time_point last_handed_out;
  };
  struct Endpoint {
    std::vector<Pooled> channels;
    // Index of the channel the next Get hands out once the endpoint is
    // full.
    size_t next = 0;
  };

  // Requires mu_ held.
  std::shared_ptr<grpc::Channel> NewChannel(const std::string& endpoint);
  void RunJanitor();

  const PoolOptions options_;

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::map<std::string, Endpoint> endpoints_;
  Stats counters_;  // Guarded by mu_; endpoints and channels unused.
  bool stopping_ = false;  // Guarded by mu_.
  std::condition_variable stop_;

  std::thread janitor_;
};

}  // namespace dim::rpc
