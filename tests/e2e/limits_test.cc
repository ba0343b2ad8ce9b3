// [limits] as the server enforces them: a server configured tighter than
// the CLI's defaults refuses what the CLI let through, says which limit,
// and goes on serving.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/server_fixture.h"

namespace dim::testing {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_->ok()); }

  static std::unique_ptr<DimServer> Start(const TempDir& dir) {
    std::string config = dir.path() + "/dim.toml";
    WriteFile(config,
              "[limits]\nmax_message_bytes = 65536\nmax_tensor_rank = 2\n"
              "max_job_models = 2\nmax_id_length = 16\n");
    return std::make_unique<DimServer>(
        std::vector<std::string>{"-c", config});
  }

  std::string Job(const std::string& name, const std::string& text) {
    std::string path = dir_.path() + "/" + name + ".toml";
    WriteFile(path, text);
    return path;
  }

  // A chained job over `model` with `rows` rows of 16 numbers.
  std::string Chained(const std::string& model, int rows) {
    std::ostringstream job;
    job << "name = \"j\"\npattern = \"chained\"\n[input]\nvalues = [";
    for (int r = 0; r < rows; ++r) {
      job << (r ? ", " : "") << "[";
      for (int c = 0; c < 16; ++c) job << (c ? ", " : "") << 0.25 * c;
      job << "]";
    }
    job << "]\n[[chained.steps]]\nmodel = \"" << model << "\"\n";
    return job.str();
  }

  // The server still runs jobs.
  void ExpectServing() {
    RunResult r = server_->Cli(
        {"submit", Job("ok", Chained("diag-a", 2)), "--wait"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }

  TempDir dir_;
  std::unique_ptr<DimServer> server_ = Start(dir_);
};

TEST_F(LimitsTest, TooManyModelsForThisServer) {
  std::string path = Job("three", R"(name = "j"
pattern = "comparative"
input = { values = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]] }
[comparative]
models = ["diag-a", "diag-b", "diag-c"]
)");
  RunResult r = server_->Cli({"submit", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "dimctl: error: " + path +
                                  ": comparative.models: expected 2 to 2 "
                                  "models, got 3"))
      << r.err;
  ExpectServing();
}

TEST_F(LimitsTest, IdLongerThanThisServerAllows) {
  std::string path = Job("long", Chained("a-model-id-of-twenty", 1));
  RunResult r = server_->Cli({"submit", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "chained.steps[0].model: a model id is at "
                              "most 16 bytes (limits.max_id_length), got 20"))
      << r.err;
  ExpectServing();
}

TEST_F(LimitsTest, TensorOfHigherRankThanThisServerAllows) {
  std::string path = Job("cube", R"(name = "j"
pattern = "chained"
input = { values = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] }
[[chained.steps]]
model = "tiny"
)");
  RunResult r = server_->Cli({"submit", path});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(Contains(r.err, "input: tensor rank 3")) << r.err;
  ExpectServing();
}

TEST_F(LimitsTest, MessageLargerThanThisServerReceives) {
  // 2,000 rows of 16 float32 numbers: 128 kB, twice the limit.
  std::string path = Job("big", Chained("diag-a", 2000));
  RunResult r = server_->Cli({"submit", path});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(Contains(r.err, "refused the request as too large: Received "
                              "message larger than max ("))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "vs. 65536) bytes; its limit is "
                              "limits.max_message_bytes"))
      << r.err;
  ExpectServing();
}

}  // namespace
}  // namespace dim::testing
