#include "core/runtime/node_runtime.h"

#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/tensor/wire.h"
#include "tests/unit/runtime/runtime_test_util.h"

namespace dim::runtime {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

std::unique_ptr<NodeRuntime> MakeNode(
    const std::string& dataset_dir = testing::DatasetDir()) {
  NodeOptions options;
  options.node_id = "n1";
  options.address = "127.0.0.1:7070";
  options.model_dir = testing::ModelDir();
  options.dataset_dir = dataset_dir;
  Result<std::unique_ptr<NodeRuntime>> node =
      NodeRuntime::Create(options, testing::LoadEngine());
  EXPECT_TRUE(node.ok()) << node.status().message();
  return node.ok() ? std::move(*node) : nullptr;
}

dim::v1::RunTaskRequest Request(const std::string& task_id,
                                const std::string& model,
                                const tensor::Tensor& input) {
  dim::v1::RunTaskRequest request;
  request.set_task_id(task_id);
  request.set_model(model);
  tensor::ToProto(input, request.mutable_input());
  return request;
}

dim::v1::RunTaskRequest OnDataset(const std::string& model,
                                  const std::string& dataset) {
  dim::v1::RunTaskRequest request;
  request.set_task_id("t-" + dataset);
  request.set_model(model);
  request.set_dataset(dataset);
  return request;
}

tensor::Tensor Output(const dim::v1::RunTaskResponse& response) {
  Result<tensor::Tensor> t =
      tensor::FromProto(response.output(), tensor::Limits());
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? *t : tensor::Tensor();
}

TEST(NodeRuntimeTest, RunsModelOnInlineInput) {
  std::unique_ptr<NodeRuntime> node = MakeNode();
  ASSERT_NE(node, nullptr);

  Result<dim::v1::RunTaskResponse> response = node->Run(
      Request("t1", "risk-score", testing::Rows(5, 8)), kNoDeadline);

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->task_id(), "t1");
  EXPECT_EQ(response->node_id(), "n1");
  EXPECT_EQ(response->samples(), 5);
  EXPECT_GT(response->run_us(), 0);
  tensor::Tensor out = Output(*response);
  EXPECT_EQ(out.shape, (std::vector<int64_t>{5, 1}));
  for (double score : out.ToDoubles()) {
    EXPECT_GT(score, 0.0);
    EXPECT_LT(score, 1.0);
  }
}

TEST(NodeRuntimeTest, MeanRowsEqualsMeanOfUnreducedOutput) {
  std::unique_ptr<NodeRuntime> node = MakeNode();
  ASSERT_NE(node, nullptr);
  dim::v1::RunTaskRequest full = OnDataset("diagnosis", "ward-a");
  dim::v1::RunTaskRequest reduced = full;
  reduced.set_task_id("t-reduced");
  reduced.set_reduction(dim::v1::REDUCTION_MEAN_ROWS);

  Result<dim::v1::RunTaskResponse> rows = node->Run(full, kNoDeadline);
  Result<dim::v1::RunTaskResponse> mean = node->Run(reduced, kNoDeadline);

  ASSERT_TRUE(rows.ok() && mean.ok());
  tensor::Tensor all = Output(*rows);
  ASSERT_EQ(all.shape, (std::vector<int64_t>{120, 4}));
  std::vector<double> expected(4, 0.0);
  std::vector<double> values = all.ToDoubles();
  for (size_t i = 0; i < values.size(); ++i) expected[i % 4] += values[i] / 120;
  tensor::Tensor summary = Output(*mean);
  EXPECT_EQ(summary.shape, (std::vector<int64_t>{4}));
  EXPECT_EQ(mean->samples(), 120);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(summary.ToDoubles()[i], expected[i], 1e-5);
  }
}

TEST(NodeRuntimeTest, ChunkedRunMatchesOneForwardPass) {
  std::unique_ptr<NodeRuntime> node = MakeNode();
  std::unique_ptr<Engine> engine = testing::LoadEngine();
  ASSERT_NE(node, nullptr);
  ASSERT_TRUE(engine->Load("slow", testing::ModelDir() + "/slow.pt").ok());
  tensor::Tensor input = testing::Rows(20, 4);

  Result<dim::v1::RunTaskResponse> chunked =
      node->Run(Request("t1", "slow", input), kNoDeadline);
  Result<tensor::Tensor> whole = engine->Forward("slow", input);

  ASSERT_TRUE(chunked.ok()) << chunked.status().message();
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  tensor::Tensor joined = Output(*chunked);
  ASSERT_EQ(joined.shape, whole->shape);
  std::vector<double> a = joined.ToDoubles(), b = whole->ToDoubles();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5);
}

TEST(NodeRuntimeTest, ReportsUnknownModelDatasetAndShape) {
  std::unique_ptr<NodeRuntime> node =
      MakeNode(testing::ExamplesDir() + "/datasets-a");
  ASSERT_NE(node, nullptr);

  auto no_model = node->Run(OnDataset("nope", "ward-a"), kNoDeadline);
  auto no_data = node->Run(OnDataset("risk-score", "ward-b"), kNoDeadline);
  auto bad_shape = node->Run(Request("t", "risk-score", testing::Rows(3, 5)),
                             kNoDeadline);

  EXPECT_EQ(no_model.status().code(), Code::kNotFound);
  EXPECT_THAT(no_model.status().message(),
              HasSubstr("no model 'nope' on node n1 (has: tiny, risk-score"));
  EXPECT_EQ(no_data.status().code(), Code::kNotFound);
  EXPECT_EQ(no_data.status().message(),
            "node n1 holds no dataset 'ward-b' (holds: ward-a)");
  EXPECT_EQ(bad_shape.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad_shape.status().message(),
            "model risk-score expects input [*, 8] float32, got [3, 5] "
            "float32");
  EXPECT_EQ(node->Status().tasks_failed(), 3u);
}

// Milliseconds the slow model takes for one chunk of 8 rows.
double ChunkMillis(NodeRuntime& node) {
  auto start = std::chrono::steady_clock::now();
  auto warm = node.Run(Request("warm", "slow", testing::Rows(8, 4)),
                       kNoDeadline);
  EXPECT_TRUE(warm.ok()) << warm.status().message();
  std::chrono::duration<double, std::milli> took =
      std::chrono::steady_clock::now() - start;
  return took.count();
}

TEST(NodeRuntimeTest, CancelStopsLongRunBetweenChunks) {
  std::unique_ptr<NodeRuntime> node = MakeNode();
  ASSERT_NE(node, nullptr);
  ChunkMillis(*node);  // loads the model
  double chunk_ms = ChunkMillis(*node);
  const int kChunks = 50;

  auto start = std::chrono::steady_clock::now();
  auto run = std::async(std::launch::async, [&] {
    return node->Run(Request("long", "slow", testing::Rows(8 * kChunks, 4)),
                     kNoDeadline);
  });
  while (node->Status().running() == 0) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(
      2 * chunk_ms));
  EXPECT_TRUE(node->Cancel("long"));
  Result<dim::v1::RunTaskResponse> result = run.get();
  std::chrono::duration<double, std::milli> took =
      std::chrono::steady_clock::now() - start;

  EXPECT_EQ(result.status().code(), Code::kCancelled);
  EXPECT_EQ(result.status().message(), "task long on node n1 was cancelled");
  EXPECT_LT(took.count(), kChunks * chunk_ms / 3)
      << "one chunk takes " << chunk_ms << " ms";
  EXPECT_FALSE(node->Cancel("long"));
}

TEST(NodeRuntimeTest, DeadlineStopsLongRun) {
  std::unique_ptr<NodeRuntime> node = MakeNode();
  ASSERT_NE(node, nullptr);

  Result<dim::v1::RunTaskResponse> result =
      node->Run(Request("late", "slow", testing::Rows(400, 4)),
                Clock::now() + 100ms);

  EXPECT_EQ(result.status().code(), Code::kDeadlineExceeded);
  EXPECT_THAT(result.status().message(), HasSubstr("task late"));
}

TEST(NodeRuntimeTest, StatusDescribesNode) {
  std::unique_ptr<NodeRuntime> node = MakeNode();
  ASSERT_NE(node, nullptr);
  ASSERT_TRUE(node->Run(OnDataset("risk-score", "ward-c"), kNoDeadline).ok());

  dim::v1::NodeStatus status = node->Status();

  EXPECT_EQ(status.node_id(), "n1");
  EXPECT_EQ(status.address(), "127.0.0.1:7070");
  EXPECT_EQ(status.capacity(), 2);
  EXPECT_EQ(status.running(), 0);
  EXPECT_EQ(status.queued(), 0);
  EXPECT_EQ(status.version(), DIMCTL_VERSION);
  EXPECT_GT(status.started_ms(), 0);
  EXPECT_EQ(status.tasks_completed(), 1u);
  EXPECT_EQ(status.tasks_failed(), 0u);
  ASSERT_EQ(status.models_size(), 9);
  for (const dim::v1::ModelInfo& m : status.models()) {
    EXPECT_EQ(m.loaded(), m.id() == "risk-score") << m.id();
  }
  EXPECT_EQ(status.models(1).input_shape_size(), 2);
  EXPECT_EQ(status.models(1).input_dtype(), dim::v1::DTYPE_FLOAT32);
  ASSERT_EQ(status.datasets_size(), 3);
  EXPECT_EQ(status.datasets(2).name(), "ward-c");
  EXPECT_EQ(status.datasets(2).samples(), 50);
  EXPECT_EQ(status.datasets(2).shape_size(), 2);
  EXPECT_EQ(status.datasets(2).dtype(), dim::v1::DTYPE_FLOAT32);
}

TEST(NodeRuntimeTest, PrewarmLoadsModelsAndReportsFailures) {
  std::unique_ptr<NodeRuntime> node = MakeNode();
  ASSERT_NE(node, nullptr);

  std::vector<dim::v1::PrewarmResult> results =
      node->Prewarm({"tiny", "nope"});

  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_GT(results[0].load_us(), 0);
  EXPECT_FALSE(results[1].ok());
  EXPECT_THAT(results[1].error(), HasSubstr("no model 'nope' on node n1"));
  EXPECT_TRUE(node->Models()[0].loaded());
}

TEST(NodeRuntimeTest, CreateFailsWhenPrewarmFails) {
  NodeOptions options;
  options.node_id = "n1";
  options.model_dir = testing::ModelDir();
  options.prewarm = {"tiny", "missing"};

  Result<std::unique_ptr<NodeRuntime>> node =
      NodeRuntime::Create(options, testing::LoadEngine());

  ASSERT_FALSE(node.ok());
  EXPECT_THAT(node.status().message(), HasSubstr("no model 'missing'"));
}

TEST(NodeRuntimeTest, ShutdownFailsLaterTasks) {
  std::unique_ptr<NodeRuntime> node = MakeNode();
  ASSERT_NE(node, nullptr);

  node->Shutdown();
  auto result = node->Run(Request("t", "tiny", testing::Rows(1, 4)),
                          kNoDeadline);

  EXPECT_EQ(result.status().code(), Code::kUnavailable);
  EXPECT_EQ(result.status().message(), "node n1 is shutting down");
}

}  // namespace
}  // namespace dim::runtime
