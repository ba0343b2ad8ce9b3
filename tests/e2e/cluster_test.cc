// One orchestrator and two node processes joined over gRPC (no IPFS):
// datasets held by different nodes, and a node killed in the middle of a
// job.
#include <signal.h>

#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/json.h"
#include "tests/support/server_fixture.h"

namespace dim::testing {
namespace {

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(orchestrator_.ok());
    std::string models = ExamplesDir() + "/models";
    for (const char* name : {"a", "b"}) {
      nodes_.push_back(std::make_unique<DimServer>(std::vector<std::string>{
          "--role", "node", "--join", orchestrator_.addr(), "--node-id",
          std::string("node-") + name, "--model-dir", models, "--dataset-dir",
          ExamplesDir() + "/datasets-" + name}));
      ASSERT_TRUE(nodes_.back()->ok());
    }
    ASSERT_TRUE(WaitForAliveNodes(2));
  }

  bool WaitForAliveNodes(size_t want) {
    for (int i = 0; i < 200; ++i) {
      RunResult r = orchestrator_.Cli({"-o", "json", "node", "ls"});
      size_t alive = 0;
      for (const auto& n : ParseJson(r.out).array) {
        alive += n["state"].string == "ALIVE";
      }
      if (alive == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  Json Show(const std::string& id) {
    return ParseJson(orchestrator_.Cli({"-o", "json", "job", "show", id}).out);
  }

  DimServer orchestrator_{{"--role", "orchestrator"}};
  std::vector<std::unique_ptr<DimServer>> nodes_;
  TempDir dir_;
};

TEST_F(ClusterTest, CollaborativeJobRunsEachDatasetWhereItIsHeld) {
  RunResult r = orchestrator_.Cli(
      {"-o", "json", "submit", SourceExamplesDir() + "/jobs/collaborative.toml",
       "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  Json job = ParseJson(r.out);
  const Json& parts = job["result"]["parts"];
  ASSERT_EQ(parts.size(), 2u);
  for (const auto& part : parts.array) {
    std::string want = part["dataset"].string == "ward-a" ? "node-a" : "node-b";
    EXPECT_EQ(part["node"].string, want);
  }
}

TEST_F(ClusterTest, JobWaitsAndSaysWhyWhenNoNodeHoldsItsDataset) {
  std::string path = dir_.path() + "/job.toml";
  WriteFile(path, "name = \"w\"\npattern = \"collaborative\"\ntimeout = \"30s\"\n"
                  "[collaborative]\nmodel = \"risk-score\"\n"
                  "datasets = [\"ward-z\"]\n");
  RunResult r = orchestrator_.Cli({"-q", "submit", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string id = r.out.substr(0, r.out.find('\n'));
  std::string reason;
  for (int i = 0; i < 100 && reason.find("ward-z") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    reason = Show(id)["reason"].string;
  }
  EXPECT_EQ(reason, "waiting: no node holds dataset ward-z");
  EXPECT_EQ(orchestrator_.Cli({"job", "cancel", id}).exit_code, 0);
}

TEST_F(ClusterTest, KillingANodeMidJobFinishesTheJobOnTheOther) {
  std::ostringstream job;
  job << "name = \"slow\"\npattern = \"chained\"\n[input]\nvalues = [";
  for (int r = 0; r < 200; ++r) job << (r ? ", " : "") << "[0.5, 0.1, 0.2, 0.3]";
  job << "]\n[[chained.steps]]\nmodel = \"slow\"\n";
  std::string path = dir_.path() + "/slow.toml";
  WriteFile(path, job.str());

  RunResult r = orchestrator_.Cli({"-q", "submit", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string id = r.out.substr(0, r.out.find('\n'));
  std::string reason;
  for (int i = 0; i < 200 && reason.rfind("task sent to ", 0) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    reason = Show(id)["reason"].string;
  }
  std::string victim = reason.substr(std::string("task sent to ").size());
  ASSERT_TRUE(victim == "node-a" || victim == "node-b") << reason;
  nodes_[victim == "node-a" ? 0 : 1]->process().Stop(SIGKILL);

  RunResult wait = orchestrator_.Cli({"-o", "json", "job", "wait", id});
  ASSERT_EQ(wait.exit_code, 0) << wait.err << wait.out;
  Json done = ParseJson(wait.out);
  const Json& part = done["result"]["parts"][0];
  EXPECT_NE(part["node"].string, victim);
  EXPECT_EQ(part["attempts"].number, 2);
  EXPECT_EQ(done["result"]["output"]["shape"].Numbers(),
            (std::vector<double>{200, 4}));
}

}  // namespace
}  // namespace dim::testing
