// The plugin against libtorch used in this process directly: the same
// model file must give the same output both ways.
#include <torch/script.h>

#include <atomic>
#include <cstring>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/runtime/runtime_test_util.h"

namespace dim::runtime {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

std::vector<double> Flatten(const torch::Tensor& t) {
  torch::Tensor d = t.to(torch::kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(),
                             d.data_ptr<double>() + d.numel());
}

std::vector<double> InProcessForward(const std::string& file,
                                     const tensor::Tensor& input) {
  torch::jit::Module module = torch::jit::load(file);
  module.eval();
  torch::NoGradGuard no_grad;
  std::vector<float> values(input.shape[0] * input.shape[1]);
  std::memcpy(values.data(), input.data.data(), input.data.size());
  torch::Tensor x = torch::tensor(values).reshape(input.shape);
  return Flatten(module.forward({x}).toTensor());
}

class TorchEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = testing::LoadEngine();
    ASSERT_NE(engine_, nullptr);
  }
  std::unique_ptr<Engine> engine_;
};

TEST_F(TorchEngineTest, ForwardMatchesInProcessTorchScript) {
  const struct {
    std::string id;
    std::string file;
    int64_t width;
  } models[] = {{"tiny", "tiny.pt", 4},
                {"risk-score", "risk_score.pt", 8},
                {"diag-b", "diag_b.pt", 16}};
  for (const auto& [id, name, width] : models) {
    std::string file = testing::ModelDir() + "/" + name;
    tensor::Tensor input = testing::Rows(6, width);
    ASSERT_TRUE(engine_->Load(id, file).ok()) << id;

    Result<tensor::Tensor> out = engine_->Forward(id, input);

    ASSERT_TRUE(out.ok()) << out.status().message();
    std::vector<double> expected = InProcessForward(file, input);
    std::vector<double> actual = out->ToDoubles();
    ASSERT_EQ(actual.size(), expected.size()) << id;
    for (size_t i = 0; i < actual.size(); ++i) {
      EXPECT_NEAR(actual[i], expected[i], 1e-6) << id << " element " << i;
    }
  }
}

TEST_F(TorchEngineTest, ConcurrentForwardsOnOneModelAgree) {
  std::string file = testing::ModelDir() + "/risk_score.pt";
  ASSERT_TRUE(engine_->Load("risk", file).ok());
  tensor::Tensor input = testing::Rows(16, 8);
  Result<tensor::Tensor> reference = engine_->Forward("risk", input);
  ASSERT_TRUE(reference.ok());

  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        Result<tensor::Tensor> out = engine_->Forward("risk", input);
        if (!out.ok() || out->data != reference->data) ++mismatches;
      }
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(TorchEngineTest, RejectsModelReturningTuple) {
  TempDir dir;
  torch::jit::Module pair("pair");
  pair.define("def forward(self, x):\n    return x, x\n");
  pair.save(dir.path() + "/pair.pt");
  ASSERT_TRUE(engine_->Load("pair", dir.path() + "/pair.pt").ok());

  Result<tensor::Tensor> out = engine_->Forward("pair", testing::Rows(1, 2));

  EXPECT_EQ(out.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "model pair returns a tuple; dimctl needs one tensor");
}

TEST_F(TorchEngineTest, ReportsFirstLineOfTorchError) {
  ASSERT_TRUE(engine_->Load("tiny", testing::ModelDir() + "/tiny.pt").ok());

  Result<tensor::Tensor> out = engine_->Forward("tiny", testing::Rows(3, 5));

  EXPECT_EQ(out.status().code(), Code::kInvalidArgument);
  // The interpreter's traceback is dropped, the operation's complaint kept.
  EXPECT_THAT(out.status().message(), ::testing::StartsWith("model tiny: "));
  EXPECT_THAT(out.status().message(), HasSubstr("shapes cannot be multiplied"));
  EXPECT_THAT(out.status().message(), Not(HasSubstr("\n")));
}

TEST_F(TorchEngineTest, LoadNamesModelAndPathOfBadFile) {
  TempDir dir;
  std::string path = dir.Write("junk.pt", "not a model");

  Status loaded = engine_->Load("junk", path);

  EXPECT_EQ(loaded.code(), Code::kInvalidArgument);
  EXPECT_THAT(loaded.message(), HasSubstr("model junk: cannot load " + path));
  EXPECT_FALSE(engine_->IsLoaded("junk"));
}

TEST_F(TorchEngineTest, UnloadForgetsModel) {
  ASSERT_TRUE(engine_->Load("tiny", testing::ModelDir() + "/tiny.pt").ok());
  engine_->Unload("tiny");

  Result<tensor::Tensor> out = engine_->Forward("tiny", testing::Rows(1, 4));

  EXPECT_FALSE(engine_->IsLoaded("tiny"));
  EXPECT_EQ(out.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(out.status().message(), "model tiny is not loaded");
}

TEST(EngineLoaderTest, NamesPathWhenPluginIsMissing) {
  Result<std::unique_ptr<Engine>> engine =
      LoadTorchEngine("/nonexistent/libdim_torch.so", 1);

  EXPECT_EQ(engine.status().code(), Code::kUnavailable);
  EXPECT_THAT(engine.status().message(),
              HasSubstr("cannot load torch engine plugin "
                        "/nonexistent/libdim_torch.so: "));
}

TEST(EngineLoaderTest, NamesFactoryWhenLibraryLacksIt) {
  Result<std::unique_ptr<Engine>> engine = LoadTorchEngine("libm.so.6", 1);

  EXPECT_EQ(engine.status().code(), Code::kUnavailable);
  EXPECT_THAT(engine.status().message(),
              HasSubstr("libm.so.6 does not export dim_create_torch_engine"));
}

}  // namespace
}  // namespace dim::runtime
