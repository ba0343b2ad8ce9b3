#include "core/runtime/node_service.h"

#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "core/tensor/wire.h"
#include "tests/unit/runtime/runtime_test_util.h"

namespace dim::runtime {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// A node served over a real gRPC server on a free loopback port.
class NodeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NodeOptions options;
    options.node_id = "n1";
    options.model_dir = testing::ModelDir();
    options.dataset_dir = testing::DatasetDir();
    Result<std::unique_ptr<NodeRuntime>> node =
        NodeRuntime::Create(options, testing::LoadEngine());
    ASSERT_TRUE(node.ok()) << node.status().message();
    runtime_ = std::move(*node);
    service_ = std::make_unique<NodeService>(runtime_.get());

    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = dim::v1::Node::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port),
        grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
    if (runtime_) runtime_->Shutdown();
  }

  dim::v1::RunTaskRequest SlowTask(const std::string& id) {
    dim::v1::RunTaskRequest request;
    request.set_task_id(id);
    request.set_model("slow");
    tensor::ToProto(testing::Rows(800, 4), request.mutable_input());
    return request;
  }

  void WaitUntilRunning(int n) {
    for (int i = 0; i < 5000 && runtime_->Status().running() != n; ++i) {
      std::this_thread::sleep_for(1ms);
    }
    ASSERT_EQ(runtime_->Status().running(), n);
  }

  std::unique_ptr<NodeRuntime> runtime_;
  std::unique_ptr<NodeService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<dim::v1::Node::Stub> stub_;
};

TEST_F(NodeServiceTest, RunTaskReturnsModelOutput) {
  dim::v1::RunTaskRequest request;
  request.set_task_id("t1");
  request.set_model("tiny");
  tensor::ToProto(testing::Rows(3, 4), request.mutable_input());
  grpc::ClientContext context;
  dim::v1::RunTaskResponse response;

  grpc::Status status = stub_->RunTask(&context, request, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.task_id(), "t1");
  EXPECT_EQ(response.node_id(), "n1");
  EXPECT_EQ(response.samples(), 3);
  EXPECT_THAT(response.output().shape(), ::testing::ElementsAre(3, 2));
}

TEST_F(NodeServiceTest, RunTaskErrorKeepsCodeAndMessage) {
  dim::v1::RunTaskRequest request;
  request.set_model("risk-score");
  request.set_dataset("ward-z");
  grpc::ClientContext context;
  dim::v1::RunTaskResponse response;

  grpc::Status status = stub_->RunTask(&context, request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "node n1 holds no dataset 'ward-z' (holds: ward-a, ward-b, "
            "ward-c)");
}

TEST_F(NodeServiceTest, StatusPrewarmAndListModels) {
  grpc::ClientContext prewarm_context;
  dim::v1::PrewarmRequest prewarm;
  prewarm.add_models("diag-a");
  dim::v1::PrewarmResponse warmed;
  ASSERT_TRUE(stub_->Prewarm(&prewarm_context, prewarm, &warmed).ok());

  grpc::ClientContext list_context;
  dim::v1::ListModelsResponse models;
  ASSERT_TRUE(stub_->ListModels(&list_context, {}, &models).ok());
  grpc::ClientContext status_context;
  dim::v1::NodeStatus status;
  ASSERT_TRUE(stub_->GetNodeStatus(&status_context, {}, &status).ok());

  ASSERT_EQ(warmed.results_size(), 1);
  EXPECT_TRUE(warmed.results(0).ok()) << warmed.results(0).error();
  ASSERT_EQ(models.models_size(), 9);
  for (const dim::v1::ModelInfo& m : models.models()) {
    EXPECT_EQ(m.loaded(), m.id() == "diag-a") << m.id();
  }
  EXPECT_EQ(status.node_id(), "n1");
  EXPECT_EQ(status.datasets_size(), 3);
}

TEST_F(NodeServiceTest, CancelTaskStopsRunningTask) {
  auto run = std::async(std::launch::async, [&] {
    grpc::ClientContext context;
    dim::v1::RunTaskResponse response;
    return stub_->RunTask(&context, SlowTask("long"), &response);
  });
  WaitUntilRunning(1);

  grpc::ClientContext context;
  dim::v1::CancelTaskRequest cancel;
  cancel.set_task_id("long");
  dim::v1::CancelTaskResponse cancelled;
  ASSERT_TRUE(stub_->CancelTask(&context, cancel, &cancelled).ok());

  EXPECT_TRUE(cancelled.found());
  grpc::Status status = run.get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_THAT(status.error_message(), HasSubstr("task long"));
}

TEST_F(NodeServiceTest, ClientCancellationStopsTask) {
  grpc::ClientContext context;
  auto run = std::async(std::launch::async, [&] {
    dim::v1::RunTaskResponse response;
    return stub_->RunTask(&context, SlowTask("abandoned"), &response);
  });
  WaitUntilRunning(1);

  context.TryCancel();

  EXPECT_EQ(run.get().error_code(), grpc::StatusCode::CANCELLED);
  WaitUntilRunning(0);
  EXPECT_EQ(runtime_->Status().tasks_failed(), 1u);
}

TEST_F(NodeServiceTest, RpcDeadlineBoundsTheTask) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 300ms);
  dim::v1::RunTaskResponse response;

  grpc::Status status = stub_->RunTask(&context, SlowTask("late"), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  WaitUntilRunning(0);
}

}  // namespace
}  // namespace dim::runtime
