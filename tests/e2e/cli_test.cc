// The dimctl binary on its own: help, version, exit codes, job file
// validation, completions. No server needed except where one is absent on
// purpose.
#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace dim::testing {
namespace {

std::string WriteJob(const TempDir& dir, const std::string& text) {
  std::string path = dir.path() + "/job.toml";
  WriteFile(path, text);
  return path;
}

TEST(Cli, HelpExitsZeroAndListsEveryCommand) {
  RunResult r = Dimctl({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"serve", "submit", "job", "node", "version"}) {
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  }
}

TEST(Cli, VersionPrintsTheProjectVersion) {
  RunResult r = Dimctl({"version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "dimctl " DIMCTL_VERSION "\n");
}

TEST(Cli, ClientBinaryDoesNotLinkLibtorch) {
  RunResult r = dim::testing::Run({"/usr/bin/ldd", DimctlPath()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("libtorch"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("libc10"), std::string::npos) << r.out;
}

TEST(Cli, UnknownCommandSuggestsTheNearestOne) {
  RunResult r = Dimctl({"sumbit", "x.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "dimctl: error: unknown command 'sumbit' (did you mean "
            "'submit'?); see 'dimctl --help'\n");
}

TEST(Cli, BadOutputFormatIsAUsageError) {
  RunResult r = Dimctl({"-o", "yaml", "job", "ls"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("dimctl: error: ", 0), 0u) << r.err;
}

TEST(Cli, UnreachableServerHasItsOwnExitCode) {
  // Port 1 on loopback: nothing listens there.
  RunResult r = Dimctl({"--addr", "127.0.0.1:1", "job", "ls"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot reach orchestrator at 127.0.0.1:1"),
            std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// The mesh commands talk to the local IPFS daemon, not an orchestrator;
// one that is not there is "unreachable" too, named by its API address.
TEST(Cli, DiscoverWithoutAnIpfsDaemonIsUnreachable) {
  RunResult r = Dimctl(
      {"discover", "--ipfs-api", "/ip4/127.0.0.1/tcp/1", "--timeout", "1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("dimctl: error: ipfs id: "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("(daemon API /ip4/127.0.0.1/tcp/1)"),
            std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Cli, RegisterNamesWhatTheRecordLacks) {
  RunResult r = Dimctl({"register", "--ipfs-api", "/ip4/127.0.0.1/tcp/1",
                        "--address", "10.0.0.5:7421", "--model", "tiny"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "dimctl: error: register: --node-id is required (or "
                   "node.id in dim.toml)\n");
  r = Dimctl({"register", "--ipfs-api", "/ip4/127.0.0.1/tcp/1", "--node-id",
              "n1", "--address", "10.0.0.5", "--model", "tiny"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "dimctl: error: heartbeat of node n1: status.address: "
                   "expected HOST:PORT, got '10.0.0.5'\n");
}

TEST(Cli, DimAddrEnvironmentSetsTheServer) {
  RunResult r = Dimctl({"node", "ls"}, {{"DIM_ADDR", "127.0.0.1:1"}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

TEST(Cli, DryRunReportsMistakesWithFileLineAndColumn) {
  TempDir dir;
  std::string path = WriteJob(dir,
                              "name = \"x\"\n"
                              "pattern = \"colaborative\"\n");
  RunResult r = Dimctl({"submit", path, "--dry-run"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":2:11: pattern: unknown pattern "
                              "'colaborative'"),
            std::string::npos) << r.err;
}

TEST(Cli, MalformedTomlIsReportedWithItsPosition) {
  TempDir dir;
  std::string path = WriteJob(dir, "name = \"x\"\npattern = \n");
  RunResult r = Dimctl({"submit", path, "--dry-run"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("dimctl: error: " + path + ":2:", 0), 0u) << r.err;
}

TEST(Cli, MissingJobFileIsNamed) {
  RunResult r = Dimctl({"submit", "/nonexistent/job.toml"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/nonexistent/job.toml"), std::string::npos) << r.err;
}

TEST(Cli, CompletionScriptsInTheRepositoryAreCurrent) {
  for (const char* shell : {"bash", "zsh"}) {
    RunResult r = Dimctl({"completion", shell});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string file = std::string(DIMCTL_SOURCE_DIR) + "/completions/" +
                       (std::string(shell) == "bash" ? "dimctl.bash"
                                                     : "_dimctl");
    EXPECT_EQ(ReadFile(file), r.out)
        << file << " is stale: regenerate it with 'dimctl completion "
        << shell << " > " << file << "'";
  }
}

}  // namespace
}  // namespace dim::testing
