#include "core/rpc/channel_pool.h"

#include <grpcpp/client_context.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "dim/v1/dim.grpc.pb.h"

namespace dim::rpc {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A node that answers GetNodeStatus and remembers which client connections
// (peer addresses) its calls came over.
class FakeNodeService final : public dim::v1::Node::Service {
 public:
  explicit FakeNodeService(std::string node_id)
      : node_id_(std::move(node_id)) {}

  grpc::Status GetNodeStatus(grpc::ServerContext* context,
                             const dim::v1::GetNodeStatusRequest*,
                             dim::v1::NodeStatus* reply) override {
    reply->set_node_id(node_id_);
    std::lock_guard<std::mutex> lock(mu_);
    peers_.insert(context->peer());
    return grpc::Status::OK;
  }

  std::set<std::string> peers() {
    std::lock_guard<std::mutex> lock(mu_);
    return peers_;
  }

 private:
  const std::string node_id_;
  std::mutex mu_;
  std::set<std::string> peers_;
};

// A real gRPC server on a loopback port.
class TestServer {
 public:
  explicit TestServer(std::string node_id = "n1")
      : service_(std::move(node_id)) {}
  ~TestServer() { Stop(); }

  // Listens on `port`, or on a free one when 0; returns false on failure.
  bool Start(int port = 0) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    return server_ != nullptr && port_ > 0;
  }

  void Stop() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now() + milliseconds(500));
    server_->Wait();
    server_.reset();
  }

  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  FakeNodeService& service() { return service_; }

 private:
  FakeNodeService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

grpc::Status CallNode(const std::shared_ptr<grpc::Channel>& channel,
                      dim::v1::NodeStatus* reply) {
  auto stub = dim::v1::Node::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       milliseconds(3000));
  return stub->GetNodeStatus(&context, dim::v1::GetNodeStatusRequest(), reply);
}

grpc::Status CallNode(const std::shared_ptr<grpc::Channel>& channel) {
  dim::v1::NodeStatus reply;
  return CallNode(channel, &reply);
}

PoolOptions ManualOptions(int max_channels) {
  PoolOptions options;
  options.max_channels_per_endpoint = max_channels;
  options.janitor = Janitor::kManual;
  return options;
}

TEST(ChannelPoolTest, CreatesAtMostMaxChannelsAndReusesThem) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  ChannelPool pool(ManualOptions(2));

  std::set<grpc::Channel*> seen;
  for (int i = 0; i < 5; ++i) seen.insert(pool.Get(server.endpoint()).get());

  EXPECT_EQ(seen.size(), 2u);
  const ChannelPool::Stats stats = pool.GetStats();
  EXPECT_EQ(stats.endpoints, 1u);
  EXPECT_EQ(stats.channels, 2u);
  EXPECT_EQ(stats.created, 2u);
  EXPECT_EQ(stats.reused, 3u);
  EXPECT_EQ(stats.replaced, 0u);
}

TEST(ChannelPoolTest, HandsOutChannelsRoundRobin) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  ChannelPool pool(ManualOptions(3));

  std::vector<std::shared_ptr<grpc::Channel>> first;
  for (int i = 0; i < 3; ++i) first.push_back(pool.Get(server.endpoint()));
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(pool.Get(server.endpoint()), first[i])
          << "round " << round << ", position " << i;
    }
  }
}

TEST(ChannelPoolTest, PooledChannelsAreSeparateConnections) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  ChannelPool pool(ManualOptions(2));

  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(CallNode(pool.Get(server.endpoint())).ok());
  }

  // Each connection has its own client port, so two channels that shared
  // a connection would show up as a single peer.
  EXPECT_EQ(server.service().peers().size(), 2u);
}

TEST(ChannelPoolTest, KeepsEndpointsApart) {
  TestServer a("node-a");
  TestServer b("node-b");
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  ChannelPool pool(ManualOptions(1));

  dim::v1::NodeStatus reply;
  ASSERT_TRUE(CallNode(pool.Get(a.endpoint()), &reply).ok());
  EXPECT_EQ(reply.node_id(), "node-a");
  ASSERT_TRUE(CallNode(pool.Get(b.endpoint()), &reply).ok());
  EXPECT_EQ(reply.node_id(), "node-b");
  EXPECT_EQ(pool.GetStats().endpoints, 2u);
  EXPECT_EQ(pool.GetStats().channels, 2u);
}

TEST(ChannelPoolTest, ClosesOnlyChannelsIdleLongerThanTheTimeout) {
  PoolOptions options = ManualOptions(1);
  options.idle_timeout = milliseconds(1000);
  ChannelPool pool(options);

  pool.Get("127.0.0.1:1");
  std::this_thread::sleep_for(milliseconds(2));
  const Clock::time_point between = Clock::now();
  std::this_thread::sleep_for(milliseconds(2));
  pool.Get("127.0.0.1:2");

  EXPECT_EQ(pool.CloseIdle(between + milliseconds(500)), 0);
  // At between + timeout only the first endpoint's channel has been idle
  // for the whole timeout.
  EXPECT_EQ(pool.CloseIdle(between + milliseconds(1000)), 1);
  ChannelPool::Stats stats = pool.GetStats();
  EXPECT_EQ(stats.endpoints, 1u);
  EXPECT_EQ(stats.channels, 1u);

  EXPECT_EQ(pool.CloseIdle(Clock::now() + milliseconds(1000)), 1);
  stats = pool.GetStats();
  EXPECT_EQ(stats.channels, 0u);
  EXPECT_EQ(stats.closed_idle, 2u);
}

TEST(ChannelPoolTest, HandingOutAChannelKeepsItAlive) {
  PoolOptions options = ManualOptions(1);
  options.idle_timeout = milliseconds(1000);
  ChannelPool pool(options);

  const auto first = pool.Get("127.0.0.1:1");
  const Clock::time_point start = Clock::now();
  std::this_thread::sleep_for(milliseconds(2));
  EXPECT_EQ(pool.Get("127.0.0.1:1"), first);

  EXPECT_EQ(pool.CloseIdle(start + milliseconds(1000)), 0);
  EXPECT_EQ(pool.GetStats().channels, 1u);
}

TEST(ChannelPoolTest, ReopensAfterIdleClose) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PoolOptions options = ManualOptions(1);
  options.idle_timeout = milliseconds(1000);
  ChannelPool pool(options);

  ASSERT_TRUE(CallNode(pool.Get(server.endpoint())).ok());
  ASSERT_EQ(pool.CloseIdle(Clock::now() + milliseconds(1000)), 1);

  EXPECT_TRUE(CallNode(pool.Get(server.endpoint())).ok());
  EXPECT_EQ(pool.GetStats().created, 2u);
}

TEST(ChannelPoolTest, BackgroundJanitorClosesIdleChannels) {
  PoolOptions options;
  options.idle_timeout = milliseconds(40);
  ChannelPool pool(options);
  pool.Get("127.0.0.1:1");

  const Clock::time_point give_up = Clock::now() + milliseconds(5000);
  while (pool.GetStats().channels > 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(pool.GetStats().channels, 0u);
  EXPECT_EQ(pool.GetStats().closed_idle, 1u);
}

// Calls until the channel reports TRANSIENT_FAILURE; each call makes it try
// to connect again.
bool WaitForTransientFailure(const std::shared_ptr<grpc::Channel>& channel) {
  const Clock::time_point give_up = Clock::now() + milliseconds(10000);
  while (Clock::now() < give_up) {
    if (channel->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE) {
      return true;
    }
    CallNode(channel);
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

TEST(ChannelPoolTest, ReplacesBrokenChannelSoARestartedPeerIsReached) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const int port = server.port();
  ChannelPool pool(ManualOptions(1));
  const auto original = pool.Get(server.endpoint());
  ASSERT_TRUE(CallNode(original).ok());

  server.Stop();
  EXPECT_EQ(CallNode(original).error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(WaitForTransientFailure(original));

  const auto fresh = pool.Get("127.0.0.1:" + std::to_string(port));
  EXPECT_NE(fresh, original);
  EXPECT_EQ(pool.GetStats().replaced, 1u);
  EXPECT_EQ(pool.GetStats().channels, 1u);

  TestServer restarted;
  ASSERT_TRUE(restarted.Start(port));
  EXPECT_TRUE(CallNode(fresh).ok());
  EXPECT_EQ(pool.Get(restarted.endpoint()), fresh);
}

TEST(ChannelPoolTest, EnforcesTheMessageSizeLimit) {
  TestServer server(std::string(4096, 'n'));
  ASSERT_TRUE(server.Start());
  PoolOptions options = ManualOptions(1);
  options.max_message_bytes = 1024;
  ChannelPool pool(options);

  EXPECT_EQ(CallNode(pool.Get(server.endpoint())).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

}  // namespace
}  // namespace dim::rpc
