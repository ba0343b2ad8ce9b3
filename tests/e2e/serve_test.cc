// One `dimctl serve` with an orchestrator and a node in one process: the
// example jobs, the read commands, cancellation, bad input and restarts.
#include <signal.h>

#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/json.h"
#include "tests/support/server_fixture.h"

namespace dim::testing {
namespace {

std::string Example(const std::string& name) {
  return SourceExamplesDir() + "/jobs/" + name + ".toml";
}

// A chained job over the "slow" model, `rows` rows of four numbers.
std::string SlowJob(int rows, const std::string& extra = "") {
  std::ostringstream job;
  job << "name = \"slow\"\npattern = \"chained\"\n" << extra
      << "[input]\nvalues = [";
  for (int r = 0; r < rows; ++r) {
    job << (r ? ", " : "") << "[0.1, 0.2, 0.3, " << r % 7 << "]";
  }
  job << "]\n[[chained.steps]]\nmodel = \"slow\"\n";
  return job.str();
}

Json JobJson(const DimServer& server, const std::string& id) {
  RunResult r = server.Cli({"-o", "json", "job", "show", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return ParseJson(r.out);
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ok()); }
  DimServer server_;
  TempDir dir_;
};

TEST_F(ServeTest, NodeListShowsTheLocalNodeWithItsModels) {
  RunResult r = server_.Cli({"-o", "json", "node", "ls"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json nodes = ParseJson(r.out);
  ASSERT_EQ(nodes.type, Json::Type::kArray);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0]["state"].string, "ALIVE");
  EXPECT_EQ(nodes[0]["address"].string, server_.addr());
  std::vector<std::string> models;
  for (const auto& m : nodes[0]["models"].array) models.push_back(m["id"].string);
  for (const char* want : {"tiny", "risk-score", "diag-a", "triage", "slow"}) {
    EXPECT_NE(std::find(models.begin(), models.end(), want), models.end())
        << want;
  }
}

TEST_F(ServeTest, EveryExampleJobSucceeds) {
  for (const char* name : {"collaborative", "comparative", "chained"}) {
    RunResult r = server_.Cli({"-o", "json", "submit", Example(name),
                               "--wait"});
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err << r.out;
    Json job = ParseJson(r.out);
    EXPECT_EQ(job["state"].string, "SUCCEEDED") << name;
    EXPECT_EQ(job["pattern"].string, name);
    EXPECT_FALSE(job["id"].string.empty());
    EXPECT_GT(job["result"]["output"]["data"].size(), 0u) << name;
    std::vector<std::string> states;
    for (const auto& t : job["history"].array) states.push_back(t["state"].string);
    EXPECT_EQ(states, (std::vector<std::string>{"PENDING", "SCHEDULED",
                                                "RUNNING", "SUCCEEDED"}));
  }
  RunResult ls = server_.Cli({"-o", "json", "job", "ls"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ParseJson(ls.out).size(), 3u);
}

TEST_F(ServeTest, SubmitWithoutWaitReturnsAnIdThatCanBeWaitedFor) {
  RunResult r = server_.Cli({"-q", "submit", Example("chained")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string id = r.out.substr(0, r.out.find('\n'));
  ASSERT_EQ(id.rfind("j-", 0), 0u) << r.out;
  RunResult wait = server_.Cli({"-o", "json", "job", "wait", id});
  EXPECT_EQ(wait.exit_code, 0) << wait.err;
  EXPECT_EQ(ParseJson(wait.out)["state"].string, "SUCCEEDED");
}

TEST_F(ServeTest, CancellingALongJobStopsItAndFreesTheNode) {
  std::string path = dir_.path() + "/slow.toml";
  WriteFile(path, SlowJob(3000));
  RunResult r = server_.Cli({"-q", "submit", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string id = r.out.substr(0, r.out.find('\n'));
  for (int i = 0; i < 200 && JobJson(server_, id)["state"].string != "RUNNING";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  RunResult cancel = server_.Cli({"job", "cancel", id});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_EQ(JobJson(server_, id)["state"].string, "CANCELLED");

  // The node stops the task at its next chunk, long before the 3000 rows
  // would have been done.
  int busy = -1;
  for (int i = 0; i < 100 && busy != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Json nodes = ParseJson(server_.Cli({"-o", "json", "node", "ls"}).out);
    busy = static_cast<int>(nodes[0]["running"].number +
                            nodes[0]["queued"].number);
  }
  EXPECT_EQ(busy, 0);
  RunResult wait = server_.Cli({"job", "wait", id});
  EXPECT_EQ(wait.exit_code, 1);
}

TEST_F(ServeTest, UnknownModelIsRejectedAndNothingIsStored) {
  std::string path = dir_.path() + "/bad.toml";
  WriteFile(path, "name = \"bad\"\npattern = \"chained\"\n"
                  "[input]\nvalues = [[1.0, 2.0]]\n"
                  "[[chained.steps]]\nmodel = \"no-such-model\"\n");
  RunResult r = server_.Cli({"submit", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown model 'no-such-model'"), std::string::npos)
      << r.err;
  EXPECT_EQ(ParseJson(server_.Cli({"-o", "json", "job", "ls"}).out).size(),
            0u);
}

TEST_F(ServeTest, ShapeMismatchNamesTheModelAndBothShapes) {
  std::string path = dir_.path() + "/shape.toml";
  WriteFile(path, "name = \"shape\"\npattern = \"chained\"\n"
                  "[input]\nvalues = [[1.0, 2.0, 3.0]]\n"
                  "[[chained.steps]]\nmodel = \"tiny\"\n");
  RunResult r = server_.Cli({"submit", path, "--wait"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "dimctl: error: " + path +
                       ": model tiny expects input [*, 4] float32, the job's "
                       "input is [1, 3] float32\n");
  // The server is unaffected.
  RunResult ok = server_.Cli({"submit", Example("chained"), "--wait"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(ServeTest, MissingJobReadsAsNotFound) {
  RunResult r = server_.Cli({"job", "show", "j-000000000000"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err, "dimctl: error: no job 'j-000000000000'\n");
}

TEST(ServeLimits, TensorOverTheServersLimitIsRejected) {
  // Only an orchestrator: its nodes would refuse their own datasets.
  DimServer server({"--role", "orchestrator"},
                   {{"DIM_LIMITS_MAX_TENSOR_BYTES", "1024"}});
  ASSERT_TRUE(server.ok());
  TempDir dir;
  std::string path = dir.path() + "/big.toml";
  WriteFile(path, SlowJob(128));  // 128 x 4 float32 = 2048 bytes
  RunResult r = server.Cli({"submit", path});
  EXPECT_EQ(r.exit_code, 2);  // input the server rejected
  EXPECT_NE(r.err.find("2048"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1024"), std::string::npos) << r.err;
  EXPECT_EQ(server.Cli({"node", "ls"}).exit_code, 0);
}

TEST_F(ServeTest, PrewarmLoadsModelsOnTheNodeAheadOfTasks) {
  RunResult r = server_.Cli({"-o", "json", "prewarm", "diag-b", "triage"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json done = ParseJson(r.out);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0]["model"].string, "diag-b");
  EXPECT_TRUE(done[0]["ok"].boolean);
  EXPECT_TRUE(done[1]["ok"].boolean);

  // The node reports them loaded with its next status.
  bool warm = false;
  for (int i = 0; i < 50 && !warm; ++i) {
    Json nodes = ParseJson(server_.Cli({"-o", "json", "node", "ls"}).out);
    for (const auto& m : nodes[0]["models"].array) {
      if (m["id"].string == "diag-b") warm = m["loaded"].boolean;
    }
    if (!warm) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(warm);

  RunResult unknown = server_.Cli({"prewarm", "diag-z"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no ALIVE node holds model 'diag-z'"),
            std::string::npos)
      << unknown.err;
}

TEST(ServeBusy, JobsWaitForRoomWhenTheNodeQueueIsFull) {
  // One worker and one queue slot: of four jobs sent at once, two find
  // the queue full and must wait for room rather than fail.
  DimServer server({}, {{"DIM_NODE_MAX_CONCURRENT_TASKS", "1"},
                        {"DIM_NODE_QUEUE_LIMIT", "1"}});
  ASSERT_TRUE(server.ok());
  TempDir dir;
  std::string path = dir.path() + "/slow.toml";
  WriteFile(path, SlowJob(24));
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    RunResult r = server.Cli({"-q", "submit", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ids.push_back(r.out.substr(0, r.out.find('\n')));
  }
  for (const auto& id : ids) {
    RunResult wait = server.Cli({"-o", "json", "job", "wait", id});
    EXPECT_EQ(wait.exit_code, 0) << id << ": " << wait.out << wait.err;
  }
}

TEST(ServeStart, SecondServerOnTheSamePortFailsToStart) {
  DimServer first;
  ASSERT_TRUE(first.ok());
  TempDir data;
  RunResult r = Dimctl({"serve", "--listen", first.addr(), "--data-dir",
                        data.path()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("dimctl: error: cannot listen on " + first.addr()),
            std::string::npos) << r.err;
}

TEST(ServeStart, SecondOrchestratorOnTheSameDataDirFailsToStart) {
  DimServer first;
  ASSERT_TRUE(first.ok());
  RunResult r = Dimctl({"serve", "--listen", "127.0.0.1:0", "--data-dir",
                        first.data_dir()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("is in use by another orchestrator"),
            std::string::npos) << r.err;
}

TEST(ServeStart, BadFlagValuesAreUsageErrors) {
  RunResult r = Dimctl({"serve", "--listen", "nonsense"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "dimctl: error: --listen: expected HOST:PORT such as "
                   "127.0.0.1:7420, got 'nonsense'\n");
}

TEST(ServeRestart, AcceptedJobsSurviveARestart) {
  TempDir data;
  std::string id;
  {
    // An orchestrator with no node: the job is accepted and waits.
    DimServer first({"--role", "orchestrator"}, {}, data.path());
    ASSERT_TRUE(first.ok());
    DimServer node({"--role", "node", "--join", first.addr()});
    ASSERT_TRUE(node.ok());
    for (int i = 0; i < 100; ++i) {
      if (ParseJson(first.Cli({"-o", "json", "node", "ls"}).out).size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    node.process().Stop(SIGKILL);
    TempDir dir;
    std::string path = dir.path() + "/job.toml";
    WriteFile(path, SlowJob(4));
    // The node is gone, but the orchestrator still knows the model.
    RunResult r = first.Cli({"-q", "submit", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    id = r.out.substr(0, r.out.find('\n'));
  }
  DimServer second({}, {}, data.path());
  ASSERT_TRUE(second.ok());
  RunResult wait = second.Cli({"-o", "json", "job", "wait", id});
  ASSERT_EQ(wait.exit_code, 0) << wait.err;
  Json job = ParseJson(wait.out);
  EXPECT_EQ(job["state"].string, "SUCCEEDED");
  bool requeued = false;
  for (const auto& t : job["history"].array) {
    requeued = requeued || t["reason"].string.find("restarted") !=
                               std::string::npos;
  }
  EXPECT_TRUE(requeued);
}

}  // namespace
}  // namespace dim::testing
