#include "core/rpc/metrics_interceptor.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "core/rpc/metrics_proto.h"
#include "core/rpc/metrics_service.h"
#include "dim/v1/dim.grpc.pb.h"
#include "tests/unit/metrics/metrics_test_util.h"

namespace dim::rpc {
namespace {

ClientOptions Within(std::chrono::milliseconds timeout) {
  ClientOptions options;
  options.call_timeout = timeout;
  return options;
}


using metrics::FindSample;
using std::chrono::milliseconds;

// A node that knows no tasks.
class TinyNode final : public dim::v1::Node::Service {
  grpc::Status GetNodeStatus(grpc::ServerContext*,
                             const dim::v1::GetNodeStatusRequest*,
                             dim::v1::NodeStatus* reply) override {
    reply->set_node_id("n1");
    return grpc::Status::OK;
  }
  grpc::Status CancelTask(grpc::ServerContext*,
                          const dim::v1::CancelTaskRequest* request,
                          dim::v1::CancelTaskResponse*) override {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no task '" + request->task_id() + "'");
  }
};

// WatchJob sends two events, or for the job "forever" waits for the client
// to give up.
class TinyOrchestrator final : public dim::v1::Orchestrator::Service {
  grpc::Status WatchJob(grpc::ServerContext* ctx,
                        const dim::v1::WatchJobRequest* request,
                        grpc::ServerWriter<dim::v1::JobEvent>* out) override {
    if (request->id() == "forever") {
      while (!ctx->IsCancelled()) {
        std::this_thread::sleep_for(milliseconds(5));
      }
      return grpc::Status::CANCELLED;
    }
    dim::v1::JobEvent event;
    event.mutable_job()->set_id(request->id());
    out->Write(event);
    out->Write(event);
    return grpc::Status::OK;
  }
};

class MetricsInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0",
                             grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&node_);
    builder.RegisterService(&orchestrator_);
    builder.RegisterService(&metrics_service_);
    std::vector<std::unique_ptr<
        grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(NewMetricsInterceptorFactory(&registry_));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ && port_ > 0);
    address_ = "127.0.0.1:" + std::to_string(port_);
    channel_ = grpc::CreateChannel(address_,
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // The count of dim.api.requests{method,code}, once it reaches `want`
  // (the interceptor may record just after the client has its answer).
  double Requests(const std::string& method, const std::string& code,
                  double want) {
    double seen = 0;
    for (int i = 0; i < 200 && seen < want; ++i) {
      metrics::Snapshot now = registry_.Collect();
      auto s = FindSample(now, "dim.api.requests",
                          {{"method", method}, {"code", code}});
      seen = s ? s->value : 0;
      if (seen < want) std::this_thread::sleep_for(milliseconds(10));
    }
    return seen;
  }

  uint64_t Timed(const std::string& method) {
    metrics::Snapshot now = registry_.Collect();
    auto s = FindSample(now, "dim.api.duration", {{"method", method}});
    return s ? s->histogram.count : 0;
  }

  metrics::Registry registry_;
  TinyNode node_;
  TinyOrchestrator orchestrator_;
  MetricsService metrics_service_{&registry_, "orch-test"};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(MetricsInterceptorTest, CountsUnaryCallsByMethodAndCode) {
  auto stub = dim::v1::Node::NewStub(channel_);
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    dim::v1::NodeStatus status;
    ASSERT_TRUE(stub->GetNodeStatus(&ctx, {}, &status).ok());
  }
  grpc::ClientContext ctx;
  dim::v1::CancelTaskRequest request;
  request.set_task_id("t-1");
  dim::v1::CancelTaskResponse response;
  EXPECT_EQ(stub->CancelTask(&ctx, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);

  EXPECT_EQ(Requests("dim.v1.Node/GetNodeStatus", "OK", 2), 2);
  EXPECT_EQ(Requests("dim.v1.Node/CancelTask", "NOT_FOUND", 1), 1);
  EXPECT_EQ(Timed("dim.v1.Node/GetNodeStatus"), 2u);
  EXPECT_EQ(Timed("dim.v1.Node/CancelTask"), 1u);
  metrics::Snapshot now = registry_.Collect();
  EXPECT_EQ(FindSample(now, "dim.api.requests",
                       {{"method", "dim.v1.Node/GetNodeStatus"},
                        {"code", "NOT_FOUND"}}),
            nullptr);
}

TEST_F(MetricsInterceptorTest, CountsServerStreamsAndCancelledCalls) {
  auto stub = dim::v1::Orchestrator::NewStub(channel_);
  {
    grpc::ClientContext ctx;
    dim::v1::WatchJobRequest request;
    request.set_id("j-1");
    auto reader = stub->WatchJob(&ctx, request);
    dim::v1::JobEvent event;
    int events = 0;
    while (reader->Read(&event)) ++events;
    EXPECT_EQ(events, 2);
    EXPECT_TRUE(reader->Finish().ok());
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(200));
    dim::v1::WatchJobRequest request;
    request.set_id("forever");
    auto reader = stub->WatchJob(&ctx, request);
    dim::v1::JobEvent event;
    while (reader->Read(&event)) {
    }
    EXPECT_EQ(reader->Finish().error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  EXPECT_EQ(Requests("dim.v1.Orchestrator/WatchJob", "OK", 1), 1);
  // Server side, a call the client abandoned ends without a status of
  // its own: the interceptor counts it as CANCELLED.
  EXPECT_EQ(Requests("dim.v1.Orchestrator/WatchJob", "CANCELLED", 1), 1);
  metrics::Snapshot now = registry_.Collect();
  auto s = FindSample(now, "dim.api.duration",
                      {{"method", "dim.v1.Orchestrator/WatchJob"}});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->histogram.count, 2u);
  EXPECT_GE(s->histogram.sum, 0.15);  // the abandoned watch lasted 200 ms
}

TEST_F(MetricsInterceptorTest, UnknownMethodsAreCountedAsOne) {
  grpc::GenericStub generic(channel_);
  grpc::ClientContext ctx;
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::Status status;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  generic.UnaryCall(&ctx, "/dim.v1.Nothing/Here", grpc::StubOptions(),
                    &request, &response, [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_all();
                    });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return done; }));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  // gRPC does not tell the interceptor a method it does not serve; one
  // label for them all also keeps made-up names from growing the family.
  EXPECT_EQ(Requests("unknown", "UNIMPLEMENTED", 1), 1);
}

TEST_F(MetricsInterceptorTest, MetricsServiceAnswersWithTheRegistry) {
  auto stub = dim::v1::Node::NewStub(channel_);
  grpc::ClientContext ctx;
  dim::v1::NodeStatus status;
  ASSERT_TRUE(stub->GetNodeStatus(&ctx, {}, &status).ok());
  ASSERT_EQ(Requests("dim.v1.Node/GetNodeStatus", "OK", 1), 1);

  auto response = FetchMetrics(address_, Within(milliseconds(5000)));
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->server(), "orch-test");
  auto snapshot = FromProto(response->families());
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  auto s = FindSample(*snapshot, "dim.api.requests",
                      {{"method", "dim.v1.Node/GetNodeStatus"},
                       {"code", "OK"}});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->value, 1);
  // Its own call is counted once its status has gone out.
  EXPECT_EQ(Requests("dim.v1.Metrics/GetMetrics", "OK", 1), 1);
}

TEST(FetchMetricsTest, UnreachableServerIsNamed) {
  auto response = FetchMetrics("127.0.0.1:1", Within(milliseconds(2000)));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Code::kUnavailable);
  EXPECT_NE(response.status().message().find("127.0.0.1:1"),
            std::string::npos);
}

TEST(GrpcCodeNameTest, NamesAsGrpcDoes) {
  EXPECT_STREQ(GrpcCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_STREQ(GrpcCodeName(grpc::StatusCode::RESOURCE_EXHAUSTED),
               "RESOURCE_EXHAUSTED");
  EXPECT_STREQ(GrpcCodeName(grpc::StatusCode::UNAUTHENTICATED),
               "UNAUTHENTICATED");
}

}  // namespace
}  // namespace dim::rpc
