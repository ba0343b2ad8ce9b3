// Each example job, run through a real `dimctl serve`, must give the same
// numbers as running the same models in this process with libtorch.
#include <torch/script.h>
#include <torch/serialize.h>

#include <gtest/gtest.h>

#include "core/job/job.h"
#include "core/tensor/load.h"
#include "core/tensor/wire.h"
#include "tests/support/json.h"
#include "tests/support/server_fixture.h"

namespace dim::testing {
namespace {

torch::Tensor ToTorch(const tensor::Tensor& t) {
  EXPECT_EQ(t.dtype, tensor::DType::kFloat32);
  auto values = t.ToDoubles();
  std::vector<float> floats(values.begin(), values.end());
  return torch::tensor(floats).reshape(t.shape);
}

std::vector<double> Flat(const torch::Tensor& t) {
  auto c = t.to(torch::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(),
                             c.data_ptr<double>() + c.numel());
}

torch::Tensor Forward(const std::string& file, const torch::Tensor& x) {
  torch::jit::Module m = torch::jit::load(ExamplesDir() + "/models/" + file);
  m.eval();
  torch::NoGradGuard no_grad;
  return m.forward({x}).toTensor();
}

torch::Tensor InputOf(const std::string& job_file) {
  auto spec = job::ParseJobFile(job_file, job::JobLimits(), tensor::Limits());
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  auto t = tensor::FromProto(spec->input(), tensor::Limits());
  EXPECT_TRUE(t.ok()) << t.status().message();
  return ToTorch(*t);
}

void ExpectClose(const std::vector<double>& got,
                 const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-6 + 1e-5 * std::abs(want[i])) << i;
  }
}

class ExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ok()); }

  Json Submit(const std::string& name) {
    RunResult r = server_.Cli({"-o", "json", "submit", JobFile(name),
                               "--wait"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return ParseJson(r.out);
  }

  static std::string JobFile(const std::string& name) {
    return SourceExamplesDir() + "/jobs/" + name + ".toml";
  }

  DimServer server_;
};

TEST_F(ExamplesTest, CollaborativeEqualsWeightedMeanOfLocalForwards) {
  Json job = Submit("collaborative");
  // ward-a is NumPy, read with dimctl's decoder; ward-b was written by
  // torch::pickle_save, read back here with libtorch itself.
  auto a = tensor::LoadTensorFile(ExamplesDir() + "/datasets/ward_a.npy",
                                  tensor::Limits());
  ASSERT_TRUE(a.ok()) << a.status().message();
  std::string b_bytes = ReadFile(ExamplesDir() + "/datasets/ward_b.pt");
  torch::Tensor xb =
      torch::pickle_load(std::vector<char>(b_bytes.begin(), b_bytes.end()))
          .toTensor();
  torch::Tensor xa = ToTorch(*a);

  torch::Tensor ya = Forward("risk_score.pt", xa);
  torch::Tensor yb = Forward("risk_score.pt", xb);
  double na = xa.size(0), nb = xb.size(0);
  torch::Tensor want =
      (ya.mean(0).to(torch::kDouble) * na + yb.mean(0).to(torch::kDouble) * nb) /
      (na + nb);
  ExpectClose(job["result"]["output"]["data"].Numbers(), Flat(want));
  EXPECT_EQ(job["result"]["parts"].size(), 2u);
}

TEST_F(ExamplesTest, ComparativeEqualsWeightedVoteOfLocalForwards) {
  Json job = Submit("comparative");
  torch::Tensor x = InputOf(JobFile("comparative"));
  const std::vector<std::pair<std::string, double>> models = {
      {"diag_a.pt", 2.0}, {"diag_b.pt", 1.0}, {"diag_c.pt", 1.0}};
  torch::Tensor votes = torch::zeros({x.size(0), 4}, torch::kDouble);
  for (const auto& [file, weight] : models) {
    torch::Tensor winners = Forward(file, x).argmax(1);
    for (int64_t r = 0; r < x.size(0); ++r) {
      votes[r][winners[r].item<int64_t>()] += weight;
    }
  }
  std::vector<double> want = Flat(votes.argmax(1));
  EXPECT_EQ(job["result"]["classes"].Numbers(), want);
  EXPECT_EQ(job["result"]["output"]["data"].Numbers(), want);
  EXPECT_EQ(job["result"]["parts"].size(), 3u);
}

TEST_F(ExamplesTest, ChainedEqualsThePipelineRunLocally) {
  Json job = Submit("chained");
  torch::Tensor x = InputOf(JobFile("chained"));
  torch::Tensor y = Forward("treatment.pt",
                            Forward("diagnosis.pt", Forward("triage.pt", x)));
  ExpectClose(job["result"]["output"]["data"].Numbers(), Flat(y));
  EXPECT_EQ(job["result"]["output"]["shape"].Numbers(),
            (std::vector<double>{static_cast<double>(y.size(0)),
                                 static_cast<double>(y.size(1))}));
}

}  // namespace
}  // namespace dim::testing
