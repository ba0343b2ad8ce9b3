// Job files that are right: the examples, defaults, and every form of
// input. Mistakes are in job_errors_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/job/job.h"
#include "core/tensor/npy.h"
#include "core/tensor/wire.h"
#include "tests/unit/job/job_test_util.h"

namespace dim::job {
namespace {

const std::string kExamples = DIM_EXAMPLE_JOBS;

tensor::Tensor InputOf(const dim::v1::JobSpec& spec) {
  Result<tensor::Tensor> t = tensor::FromProto(spec.input(), {});
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? *t : tensor::Tensor{};
}

std::vector<std::string> Strings(
    const google::protobuf::RepeatedPtrField<std::string>& items) {
  return {items.begin(), items.end()};
}

Result<dim::v1::JobSpec> ParseExample(const std::string& name) {
  return ParseJobFile(kExamples + "/" + name, {}, {});
}

TEST(JobExamplesTest, CollaborativeExampleParses) {
  Result<dim::v1::JobSpec> spec = ParseExample("collaborative.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->name(), "ward-risk");
  EXPECT_EQ(spec->pattern(), dim::v1::PATTERN_COLLABORATIVE);
  EXPECT_EQ(spec->timeout_ms(), 60000);
  EXPECT_FALSE(spec->has_input());
  EXPECT_EQ(spec->collaborative().model(), "risk-score");
  EXPECT_EQ(Strings(spec->collaborative().datasets()),
            (std::vector<std::string>{"ward-a", "ward-b"}));
  EXPECT_EQ(spec->collaborative().aggregation(),
            dim::v1::AGGREGATION_WEIGHTED_MEAN);
  EXPECT_EQ(spec->source(), kExamples + "/collaborative.toml");
}

TEST(JobExamplesTest, ComparativeExampleParses) {
  Result<dim::v1::JobSpec> spec = ParseExample("comparative.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  const dim::v1::ComparativeSpec& c = spec->comparative();
  EXPECT_EQ(Strings(c.models()),
            (std::vector<std::string>{"diag-a", "diag-b", "diag-c"}));
  EXPECT_EQ(c.consensus(), dim::v1::CONSENSUS_WEIGHTED_VOTE);
  EXPECT_EQ(std::vector<double>(c.weights().begin(), c.weights().end()),
            (std::vector<double>{2, 1, 1}));

  tensor::Tensor input = InputOf(*spec);
  EXPECT_EQ(input.dtype, tensor::DType::kFloat32);
  EXPECT_EQ(input.shape, (std::vector<int64_t>{3, 16}));
  EXPECT_FLOAT_EQ(input.ToDoubles()[0], -0.53f);
  EXPECT_FLOAT_EQ(input.ToDoubles()[47], 1.13f);
}

TEST(JobExamplesTest, ChainedExampleParses) {
  Result<dim::v1::JobSpec> spec = ParseExample("chained.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->priority(), 7);
  ASSERT_EQ(spec->chained().steps_size(), 3);
  EXPECT_EQ(spec->chained().steps(0).model(), "triage");
  EXPECT_EQ(spec->chained().steps(1).model(), "diagnosis");
  EXPECT_EQ(spec->chained().steps(2).model(), "treatment");
  EXPECT_EQ(InputOf(*spec).shape, (std::vector<int64_t>{2, 16}));
}

TEST(JobExamplesTest, ExamplesPassTheWireChecks) {
  for (const char* name :
       {"collaborative.toml", "comparative.toml", "chained.toml"}) {
    Result<dim::v1::JobSpec> spec = ParseExample(name);
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    Status status = ValidateJobSpec(*spec, {});
    EXPECT_TRUE(status.ok()) << name << ": " << status.message();
  }
}

TEST_F(JobFileTest, AppliesDefaults) {
  Result<dim::v1::JobSpec> spec = Parse(R"(
name = "j"
pattern = "collaborative"
[collaborative]
model = "m"
datasets = ["d"]
)");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->priority(), 5);
  EXPECT_EQ(spec->timeout_ms(), 0);
  EXPECT_EQ(spec->collaborative().aggregation(), dim::v1::AGGREGATION_MEAN);

  spec = Parse(R"(
name = "j"
pattern = "comparative"
input = { values = [1, 2] }
comparative = { models = ["a", "b"] }
)");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->comparative().consensus(),
            dim::v1::CONSENSUS_MAJORITY_VOTE);
}

TEST_F(JobFileTest, TimeoutAcceptsDurationsAndSeconds) {
  const std::string rest =
      "\npattern = \"chained\"\ninput = { values = [1] }\n"
      "[[chained.steps]]\nmodel = \"m\"\n";
  Result<dim::v1::JobSpec> spec =
      Parse("name = \"j\"\ntimeout = \"1500ms\"" + rest);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->timeout_ms(), 1500);

  spec = Parse("name = \"j\"\ntimeout = 90" + rest);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->timeout_ms(), 90000);
}

TEST_F(JobFileTest, StepsMayPinNodes) {
  Result<dim::v1::JobSpec> spec = Parse(R"(
name = "j"
pattern = "chained"
input = { values = [1] }
[[chained.steps]]
model = "triage"
nodes = ["node-1", "node-2"]
)");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(Strings(spec->chained().steps(0).nodes()),
            (std::vector<std::string>{"node-1", "node-2"}));
}

// Inline values: the nesting gives the shape, dtype the element type.
struct InlineCase {
  const char* toml;
  tensor::DType dtype;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

TEST_F(JobFileTest, InlineValuesBecomeTensors) {
  const InlineCase cases[] = {
      {"values = [1, 2.5, -3]", tensor::DType::kFloat32, {3}, {1, 2.5, -3}},
      {"values = [[1, 2], [3, 4]]\ndtype = \"int64\"",
       tensor::DType::kInt64, {2, 2}, {1, 2, 3, 4}},
      {"values = [[[1], [2]], [[3], [4]]]\ndtype = \"int32\"",
       tensor::DType::kInt32, {2, 2, 1}, {1, 2, 3, 4}},
      {"values = [0.1, 0.2]\ndtype = \"float64\"", tensor::DType::kFloat64,
       {2}, {0.1, 0.2}},
  };
  for (const InlineCase& c : cases) {
    Result<dim::v1::JobSpec> spec =
        Parse(std::string("name = \"j\"\npattern = \"chained\"\n[input]\n") +
              c.toml + "\n[[chained.steps]]\nmodel = \"m\"\n");
    ASSERT_TRUE(spec.ok()) << c.toml << ": " << spec.status().message();
    tensor::Tensor t = InputOf(*spec);
    EXPECT_EQ(t.dtype, c.dtype) << c.toml;
    EXPECT_EQ(t.shape, c.shape) << c.toml;
    EXPECT_EQ(t.ToDoubles(), c.values) << c.toml;
  }
}

TEST_F(JobFileTest, InputFileIsReadRelativeToTheJobFile) {
  tensor::Tensor stored =
      tensor::Tensor::FromDoubles({2, 3}, {1, 2, 3, 4, 5, 6});
  Write("patients.npy", tensor::EncodeNpy(stored));

  Result<dim::v1::JobSpec> spec = Parse(R"(
name = "j"
pattern = "comparative"
input = { file = "patients.npy" }
comparative = { models = ["a", "b"] }
)");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  tensor::Tensor loaded = InputOf(*spec);
  EXPECT_EQ(loaded.dtype, tensor::DType::kFloat64);
  EXPECT_EQ(loaded.shape, stored.shape);
  EXPECT_EQ(loaded.ToDoubles(), stored.ToDoubles());
}

TEST(JobTextTest, ParsesTextWithItsOwnSourceName) {
  Result<dim::v1::JobSpec> spec = ParseJobText(
      "name = \"j\"\npattern = \"collaborative\"\n"
      "collaborative = { model = \"m\", datasets = [\"d\"] }\n",
      "stdin", "", {}, {});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->source(), "stdin");

  spec = ParseJobText("name = 1\n", "stdin", "", {}, {});
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(),
            "stdin:1:8: name: expected a string, got an integer");
}

TEST(JobLimitsTest, FollowTheConfiguration) {
  config::LimitsConfig limits;
  limits.max_job_steps = 3;
  limits.max_job_models = 4;
  limits.max_job_datasets = 5;
  JobLimits job = JobLimitsFrom(limits);
  EXPECT_EQ(job.max_steps, 3);
  EXPECT_EQ(job.max_models, 4);
  EXPECT_EQ(job.max_datasets, 5);
}

}  // namespace
}  // namespace dim::job
