// One test per kind of mistake in a job file, each asserting the whole
// message: position, field and what was expected.
#include <gtest/gtest.h>

#include <string>

#include "core/job/job.h"
#include "tests/unit/job/job_test_util.h"

namespace dim::job {
namespace {

// Job files that are right up to the section under test.
const std::string kCollaborative =
    "name = \"j\"\npattern = \"collaborative\"\n";
const std::string kComparative =
    "name = \"j\"\npattern = \"comparative\"\ninput = { values = [1] }\n";
const std::string kChained =
    "name = \"j\"\npattern = \"chained\"\ninput = { values = [1] }\n";
const std::string kSteps = "[[chained.steps]]\nmodel = \"m\"\n";

class JobErrorsTest : public JobFileTest {
 protected:
  // A chained job whose [input] table is `input`.
  std::string InputError(const std::string& input,
                         Code code = Code::kInvalidArgument) {
    return ErrorOf("name = \"j\"\npattern = \"chained\"\n[input]\n" + input +
                       "\n" + kSteps,
                   code);
  }
};

TEST_F(JobErrorsTest, MissingJobFileIsNotFound) {
  Result<dim::v1::JobSpec> spec =
      ParseJobFile(dir_ + "/absent.toml", limits_, tensor_limits_);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), Code::kNotFound);
  EXPECT_EQ(spec.status().message(), dir_ + "/absent.toml: no such file");
}

TEST_F(JobErrorsTest, ReportsMalformedTomlAtItsPosition) {
  EXPECT_EQ(ErrorOf("name = \"j\"\npattern = chained\n"),
            "job.toml:2:11: Error while parsing value: "
            "could not determine value type");
}

TEST_F(JobErrorsTest, RejectsUnknownTopLevelKey) {
  EXPECT_EQ(ErrorOf("name = \"j\"\npatern = \"chained\"\n"),
            "job.toml:2:1: patern: unknown key (did you mean pattern?)");
}

TEST_F(JobErrorsTest, MissingTopLevelKeyIsReportedAtTheStart) {
  EXPECT_EQ(ErrorOf("pattern = \"chained\"\n"),
            "job.toml:1:1: missing required key 'name'");
  EXPECT_EQ(ErrorOf("name = \"j\"\n"),
            "job.toml:1:1: missing required key 'pattern'");
}

TEST_F(JobErrorsTest, RejectsBadName) {
  EXPECT_EQ(ErrorOf("name = \"ward risk\"\n"),
            "job.toml:1:8: name: expected 1 to 64 characters of A-Z, a-z, "
            "0-9, '.', '_' or '-', got 'ward risk'");
}

TEST_F(JobErrorsTest, RejectsUnknownPattern) {
  EXPECT_EQ(ErrorOf("name = \"ward-risk\"\n\npattern = \"colaborative\"\n"),
            "job.toml:3:11: pattern: unknown pattern 'colaborative' "
            "(expected collaborative, comparative or chained)");
}

TEST_F(JobErrorsTest, RejectsPriorityOutOfRangeOrOfTheWrongType) {
  EXPECT_EQ(ErrorOf(kCollaborative + "priority = 10\n"),
            "job.toml:3:12: priority: expected an integer from 0 to 9, "
            "got 10");
  EXPECT_EQ(ErrorOf(kCollaborative + "priority = \"high\"\n"),
            "job.toml:3:12: priority: expected an integer, got a string");
}

TEST_F(JobErrorsTest, RejectsBadTimeout) {
  EXPECT_EQ(ErrorOf(kCollaborative + "timeout = \"soon\"\n"),
            "job.toml:3:11: timeout: expected a duration such as '30s', "
            "'5m' or '1h', got 'soon'");
  EXPECT_EQ(ErrorOf(kCollaborative + "timeout = \"48h\"\n"),
            "job.toml:3:11: timeout: expected a duration from 1s to 24h, "
            "got '48h'");
  EXPECT_EQ(ErrorOf(kCollaborative + "timeout = 0\n"),
            "job.toml:3:11: timeout: expected a duration from 1s to 24h, "
            "got 0 seconds");
  EXPECT_EQ(ErrorOf(kCollaborative + "timeout = true\n"),
            "job.toml:3:11: timeout: expected a duration, got a boolean");
}

TEST_F(JobErrorsTest, RequiresTheSectionOfThePattern) {
  EXPECT_EQ(ErrorOf(kCollaborative),
            "job.toml:1:1: missing required section [collaborative] for "
            "pattern collaborative");
}

TEST_F(JobErrorsTest, RejectsTheSectionOfAnotherPattern) {
  EXPECT_EQ(ErrorOf(kCollaborative + "\n[comparative]\nmodels = [\"a\"]\n"),
            "job.toml:4:1: comparative: this section is for comparative "
            "jobs, but pattern is collaborative");
}

TEST_F(JobErrorsTest, RejectsInputForCollaborative) {
  EXPECT_EQ(ErrorOf(kCollaborative + "[input]\nvalues = [1]\n"),
            "job.toml:3:1: input: collaborative jobs run on the datasets "
            "the nodes hold and take no input");
}

TEST_F(JobErrorsTest, RequiresInputForComparativeAndChained) {
  EXPECT_EQ(ErrorOf("name = \"j\"\npattern = \"chained\"\n" + kSteps),
            "job.toml:1:1: missing required section [input] for pattern "
            "chained");
}

TEST_F(JobErrorsTest, MissingKeyInASectionNamesTheSection) {
  EXPECT_EQ(ErrorOf(kCollaborative + "\n\n[collaborative]\n"
                                     "datasets = [\"ward-a\"]\n"),
            "job.toml:5:1: collaborative: missing required key 'model'");
}

TEST_F(JobErrorsTest, RejectsUnknownKeyInASection) {
  EXPECT_EQ(ErrorOf(kCollaborative + "[collaborative]\nmodel = \"m\"\n"
                                     "dataset = [\"d\"]\n"),
            "job.toml:5:1: collaborative.dataset: unknown key "
            "(did you mean datasets?)");
}

TEST_F(JobErrorsTest, RejectsDatasetListedTwice) {
  EXPECT_EQ(ErrorOf(kCollaborative + "[collaborative]\nmodel = \"m\"\n"
                                     "datasets = [\"a\", \"b\", \"a\"]\n"),
            "job.toml:5:23: collaborative.datasets: 'a' is listed twice");
}

TEST_F(JobErrorsTest, RejectsDatasetCountOutsideTheLimits) {
  limits_.max_datasets = 2;
  EXPECT_EQ(ErrorOf(kCollaborative + "[collaborative]\nmodel = \"m\"\n"
                                     "datasets = [\"a\", \"b\", \"c\"]\n"),
            "job.toml:5:12: collaborative.datasets: expected 1 to 2 "
            "datasets, got 3");
  EXPECT_EQ(ErrorOf(kCollaborative + "[collaborative]\nmodel = \"m\"\n"
                                     "datasets = []\n"),
            "job.toml:5:12: collaborative.datasets: expected 1 to 2 "
            "datasets, got 0");
}

TEST_F(JobErrorsTest, RejectsIdsLongerThanTheLimit) {
  limits_.max_id_length = 16;
  std::string long_id(17, 'x');
  EXPECT_EQ(ErrorOf(kCollaborative + "[collaborative]\nmodel = \"" +
                    long_id + "\"\ndatasets = [\"a\"]\n"),
            "job.toml:4:9: collaborative.model: a model id is at most 16 "
            "bytes (limits.max_id_length), got 17 starting '" + long_id +
                "'");
  EXPECT_EQ(ErrorOf(kCollaborative + "[collaborative]\nmodel = \"m\"\n"
                                     "datasets = [\"a\", \"" + long_id +
                    "\"]\n"),
            "job.toml:5:18: collaborative.datasets: a dataset id is at most "
            "16 bytes (limits.max_id_length), got 17 starting '" + long_id +
                "'");
}

TEST_F(JobErrorsTest, RejectsNonStringInList) {
  EXPECT_EQ(ErrorOf(kCollaborative + "[collaborative]\nmodel = \"m\"\n"
                                     "datasets = [\"a\", 2]\n"),
            "job.toml:5:18: collaborative.datasets: expected a string, "
            "got an integer");
}

TEST_F(JobErrorsTest, RejectsUnknownAggregation) {
  EXPECT_EQ(ErrorOf(kCollaborative + "[collaborative]\nmodel = \"m\"\n"
                                     "datasets = [\"a\"]\n"
                                     "aggregation = \"avg\"\n"),
            "job.toml:6:15: collaborative.aggregation: unknown aggregation "
            "'avg' (expected mean, weighted_mean or concat)");
}

TEST_F(JobErrorsTest, RejectsTooFewModels) {
  EXPECT_EQ(ErrorOf(kComparative + "[comparative]\nmodels = [\"a\"]\n"),
            "job.toml:5:10: comparative.models: expected 2 to 16 models, "
            "got 1");
}

TEST_F(JobErrorsTest, RejectsUnknownConsensus) {
  EXPECT_EQ(ErrorOf(kComparative + "[comparative]\nmodels = [\"a\", \"b\"]\n"
                                   "consensus = \"vote\"\n"),
            "job.toml:6:13: comparative.consensus: unknown consensus 'vote' "
            "(expected majority_vote, weighted_vote or mean_probability)");
}

TEST_F(JobErrorsTest, RejectsWeightCountThatDiffersFromModels) {
  EXPECT_EQ(ErrorOf(kComparative + "\n\n[comparative]\n"
                                   "models = [\"a\", \"b\", \"c\"]\n"
                                   "consensus = \"weighted_vote\"\n"
                                   "weights = [2.0, 1.0]\n"),
            "job.toml:9:11: comparative.weights: expected 3 weights, one "
            "per model, got 2");
}

TEST_F(JobErrorsTest, RejectsWeightThatIsNotPositive) {
  EXPECT_EQ(ErrorOf(kComparative + "[comparative]\nmodels = [\"a\", \"b\"]\n"
                                   "consensus = \"weighted_vote\"\n"
                                   "weights = [1, -0.5]\n"),
            "job.toml:7:15: comparative.weights: expected a positive "
            "number, got -0.5");
  EXPECT_EQ(ErrorOf(kComparative + "[comparative]\nmodels = [\"a\", \"b\"]\n"
                                   "consensus = \"weighted_vote\"\n"
                                   "weights = [1, \"2\"]\n"),
            "job.toml:7:15: comparative.weights: expected a number, "
            "got a string");
}

TEST_F(JobErrorsTest, WeightsBelongToWeightedVoteOnly) {
  EXPECT_EQ(ErrorOf(kComparative + "[comparative]\nmodels = [\"a\", \"b\"]\n"
                                   "consensus = \"weighted_vote\"\n"),
            "job.toml:4:1: comparative: missing required key 'weights'");
  EXPECT_EQ(ErrorOf(kComparative + "[comparative]\nmodels = [\"a\", \"b\"]\n"
                                   "weights = [1, 2]\n"),
            "job.toml:6:11: comparative.weights: weights apply only to "
            "consensus weighted_vote");
}

TEST_F(JobErrorsTest, RejectsStepCountOutsideTheLimits) {
  EXPECT_EQ(ErrorOf(kChained + "chained = { steps = [] }\n"),
            "job.toml:4:21: chained.steps: expected 1 to 32 steps, got 0");
  limits_.max_steps = 1;
  EXPECT_EQ(ErrorOf(kChained + kSteps + kSteps),
            "job.toml:4:1: chained.steps: expected 1 to 1 steps, got 2");
}

TEST_F(JobErrorsTest, MissingStepModelNamesTheStep) {
  EXPECT_EQ(ErrorOf(kChained + kSteps + "\n[[chained.steps]]\n"
                                        "nodes = [\"node-1\"]\n"),
            "job.toml:7:1: chained.steps[1]: missing required key 'model'");
}

TEST_F(JobErrorsTest, RejectsUnknownKeyInAStep) {
  EXPECT_EQ(ErrorOf(kChained + kSteps + "node = \"node-1\"\n"),
            "job.toml:6:1: chained.steps[0].node: unknown key "
            "(did you mean nodes?)");
}

TEST_F(JobErrorsTest, InputNeedsExactlyOneOfValuesAndFile) {
  EXPECT_EQ(InputError("dtype = \"float32\""),
            "job.toml:3:1: input: missing required key 'values' or 'file'");
  EXPECT_EQ(InputError("values = [1]\nfile = \"x.npy\""),
            "job.toml:5:8: input.file: expected one of 'values' or 'file', "
            "got both");
}

TEST_F(JobErrorsTest, RejectsRaggedRows) {
  EXPECT_EQ(InputError("values = [[1, 2], [3, 4, 5]]"),
            "job.toml:4:19: input.values: expected 2 elements like the "
            "first row, got 3 (every row must have the same shape)");
  EXPECT_EQ(InputError("values = [[1, 2], 3]"),
            "job.toml:4:19: input.values: expected an array, got an integer "
            "(every row must have the same shape)");
  EXPECT_EQ(InputError("values = [1, [2]]"),
            "job.toml:4:14: input.values: expected a number, got an array "
            "(every row must have the same shape)");
}

TEST_F(JobErrorsTest, RejectsValuesThatAreNotNumbers) {
  EXPECT_EQ(InputError("values = [1, \"2\"]"),
            "job.toml:4:14: input.values: expected a number, got a string");
  EXPECT_EQ(InputError("values = 1"),
            "job.toml:4:10: input.values: expected an array, got an integer");
  EXPECT_EQ(InputError("values = [[]]"),
            "job.toml:4:11: input.values: expected at least one number, "
            "got an empty array");
}

TEST_F(JobErrorsTest, IntegerDTypesTakeWholeNumbersInRange) {
  EXPECT_EQ(InputError("values = [1, 2.5]\ndtype = \"int64\""),
            "job.toml:4:14: input.values: dtype int64 takes whole numbers, "
            "got 2.5");
  EXPECT_EQ(InputError("values = [3000000000]\ndtype = \"int32\""),
            "job.toml:4:11: input.values: dtype int32 takes numbers from "
            "-2147483648 to 2147483647, got 3000000000");
}

TEST_F(JobErrorsTest, RejectsUnknownDType) {
  EXPECT_EQ(InputError("values = [1]\ndtype = \"uint8\""),
            "job.toml:5:9: input.dtype: unknown dtype 'uint8' "
            "(expected float32, float64, int64 or int32)");
  EXPECT_EQ(InputError("file = \"x.npy\"\ndtype = \"float32\""),
            "job.toml:5:9: input.dtype: applies only to inline values; a "
            "file carries its own dtype");
}

TEST_F(JobErrorsTest, MissingInputFileNamesJobPositionAndDataPath) {
  EXPECT_EQ(InputError("file = \"patients.npy\"", Code::kNotFound),
            "job.toml:4:8: input.file: patients.npy: no such file");
}

TEST_F(JobErrorsTest, InlineTensorOverTheLimitsIsResourceExhausted) {
  tensor_limits_.max_elements = 3;
  EXPECT_EQ(InputError("values = [1, 2, 3, 4]", Code::kResourceExhausted),
            "job.toml:4:10: input.values: tensor element count 4 (shape "
            "[4]) is over the limit of 3 (raise limits.max_tensor_elements to "
            "accept it)");
}

}  // namespace
}  // namespace dim::job
