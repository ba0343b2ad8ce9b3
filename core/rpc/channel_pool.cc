#include "core/rpc/channel_pool.h"

#include <grpc/grpc.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <iterator>
#include <utility>

namespace dim::rpc {
namespace {

// A channel in either state would fail the next call at once (or only
// after its reconnect backoff), so the pool does not hand it out.
bool IsBroken(grpc::Channel& channel) {
  const grpc_connectivity_state state = channel.GetState(false);
  return state == GRPC_CHANNEL_SHUTDOWN ||
         state == GRPC_CHANNEL_TRANSIENT_FAILURE;
}

}  // namespace

ChannelPool::ChannelPool(PoolOptions options) : options_(std::move(options)) {
  if (options_.janitor == Janitor::kBackground &&
      options_.idle_timeout.count() > 0) {
    janitor_ = std::thread([this] { RunJanitor(); });
  }
}

ChannelPool::~ChannelPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (janitor_.joinable()) janitor_.join();
}

std::shared_ptr<grpc::Channel> ChannelPool::NewChannel(
    const std::string& endpoint) {
  grpc::ChannelArguments args;
  // gRPC otherwise shares one TCP connection among channels with equal
  // arguments through a process-wide pool, which would make the pool's
  // channels one connection. The numbered argument keeps them unequal too.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("dim.pool_channel", static_cast<int>(counters_.created));
  args.SetMaxSendMessageSize(options_.max_message_bytes);
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);

  ++counters_.created;
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      options_.credentials ? options_.credentials
                           : grpc::InsecureChannelCredentials();
  return grpc::CreateCustomChannel(endpoint, credentials, args);
}

std::shared_ptr<grpc::Channel> ChannelPool::Get(const std::string& endpoint) {
  const auto now = std::chrono::steady_clock::now();
  const size_t max_channels =
      static_cast<size_t>(std::max(options_.max_channels_per_endpoint, 1));
  std::lock_guard<std::mutex> lock(mu_);
  Endpoint& ep = endpoints_[endpoint];
  if (ep.channels.size() < max_channels) {
    ep.channels.push_back({NewChannel(endpoint), now});
    return ep.channels.back().channel;
  }

  Pooled& pooled = ep.channels[ep.next % ep.channels.size()];
  ep.next = (ep.next + 1) % ep.channels.size();
  if (IsBroken(*pooled.channel)) {
    pooled.channel = NewChannel(endpoint);
    ++counters_.replaced;
  } else {
    ++counters_.reused;
  }
  pooled.last_handed_out = now;
  return pooled.channel;
}

int ChannelPool::CloseIdle(std::chrono::steady_clock::time_point now) {
  if (options_.idle_timeout.count() <= 0) return 0;
  const auto cutoff = now - options_.idle_timeout;
  std::lock_guard<std::mutex> lock(mu_);
  int closed = 0;
  for (auto it = endpoints_.begin(); it != endpoints_.end();) {
    std::vector<Pooled>& channels = it->second.channels;
    const size_t before = channels.size();
    channels.erase(std::remove_if(channels.begin(), channels.end(),
                                  [&](const Pooled& p) {
                                    return p.last_handed_out <= cutoff;
                                  }),
                   channels.end());
    if (channels.size() != before) {
      closed += static_cast<int>(before - channels.size());
      it->second.next = 0;
    }
    it = channels.empty() ? endpoints_.erase(it) : std::next(it);
  }
  counters_.closed_idle += static_cast<uint64_t>(closed);
  return closed;
}

ChannelPool::Stats ChannelPool::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats stats = counters_;
  stats.endpoints = endpoints_.size();
  stats.channels = 0;
  for (const auto& [name, ep] : endpoints_) {
    stats.channels += ep.channels.size();
  }
  return stats;
}

void ChannelPool::RunJanitor() {
  const auto period = std::max(options_.idle_timeout / 2,
                               std::chrono::milliseconds(1));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    CloseIdle(std::chrono::steady_clock::now());
    lock.lock();
  }
}

}  // namespace dim::rpc
