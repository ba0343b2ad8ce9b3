#include "core/config/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/config/duration.h"

namespace dim::config {
namespace {

using std::chrono::milliseconds;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/config_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes text to dim.toml in a fresh folder and returns its path.
  std::string Write(const std::string& text) {
    std::string path = dir_ + "/dim.toml";
    std::ofstream(path) << text;
    return path;
  }

  // The error of loading text as dim.toml, with the folder cut off.
  std::string ErrorOf(const std::string& text) {
    Result<Config> config = LoadConfig(Write(text), {});
    if (config.ok()) return "no error";
    EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
    std::string message = config.status().message();
    std::string prefix = dir_ + "/";
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    return message;
  }

  std::string EnvErrorOf(const Environment& env) {
    Result<Config> config = LoadConfig("", env);
    return config.ok() ? "no error" : config.status().message();
  }

  std::string dir_;
};

TEST_F(ConfigTest, NoFileGivesTheDefaults) {
  Result<Config> config = LoadConfig("", {});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->server.listen, "127.0.0.1:7420");
  EXPECT_EQ(config->server.role, Role::kAll);
  EXPECT_EQ(config->orchestrator.default_job_timeout, milliseconds(300000));
  EXPECT_EQ(config->node.max_concurrent_tasks, 2);
  EXPECT_EQ(config->limits.max_message_bytes, 67108864);
  EXPECT_EQ(config->log.level, dim::log::Level::kInfo);
}

TEST_F(ConfigTest, ExampleFileEqualsTheDefaults) {
  Result<Config> example = LoadConfig(DIM_EXAMPLE_CONFIG, {});
  ASSERT_TRUE(example.ok()) << example.status().message();
  EXPECT_EQ(ConfigValues(*example), ConfigValues(Config{}));
}

// A key left out of the example would still compare equal to its default,
// so check that the example assigns every key.
TEST_F(ConfigTest, ExampleFileListsEveryKey) {
  std::ifstream file(DIM_EXAMPLE_CONFIG);
  std::set<std::string> listed;
  std::string line, section;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line.substr(1, line.find(']') - 1);
    } else {
      listed.insert(section + "." + line.substr(0, line.find(' ')));
    }
  }

  std::set<std::string> known;
  for (const auto& [key, value] : ConfigValues(Config{})) known.insert(key);
  EXPECT_EQ(listed, known);
}

TEST_F(ConfigTest, ReadsEveryKindOfValueFromTheFile) {
  Result<Config> config = LoadConfig(Write(R"(
[server]
listen = "[::1]:0"
role = "node"
[orchestrator]
heartbeat_interval = "500ms"
default_job_timeout = 90
fsync = false
[node]
join = "orchestrator.lan:7420"
prewarm = ["triage", "diagnosis"]
[limits]
max_tensor_bytes = 1024
[log]
level = "debug"
)"), {});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->server.listen, "[::1]:0");
  EXPECT_EQ(config->server.role, Role::kNode);
  EXPECT_EQ(config->orchestrator.heartbeat_interval, milliseconds(500));
  EXPECT_EQ(config->orchestrator.default_job_timeout, milliseconds(90000));
  EXPECT_FALSE(config->orchestrator.fsync);
  EXPECT_EQ(config->node.join, "orchestrator.lan:7420");
  EXPECT_EQ(config->node.prewarm,
            (std::vector<std::string>{"triage", "diagnosis"}));
  EXPECT_EQ(config->limits.max_tensor_bytes, 1024);
  EXPECT_EQ(config->log.level, dim::log::Level::kDebug);
  EXPECT_EQ(config->node.max_concurrent_tasks, 2);
}

TEST_F(ConfigTest, MissingFileIsNotFound) {
  Result<Config> config = LoadConfig(dir_ + "/absent.toml", {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Code::kNotFound);
  EXPECT_EQ(config.status().message(), dir_ + "/absent.toml: no such file");
}

TEST_F(ConfigTest, RejectsUnknownKeySuggestingTheNearest) {
  EXPECT_EQ(ErrorOf("[node]\nid = \"n1\"\n\nmax_concurent_tasks = 4\n"),
            "dim.toml:4:1: node.max_concurent_tasks: unknown key "
            "(did you mean max_concurrent_tasks?)");
}

TEST_F(ConfigTest, RejectsUnknownKeyWithoutSuggestionWhenNothingIsClose) {
  EXPECT_EQ(ErrorOf("[pool]\ncolour = \"blue\"\n"),
            "dim.toml:2:1: pool.colour: unknown key");
}

TEST_F(ConfigTest, RejectsUnknownSection) {
  EXPECT_EQ(ErrorOf("[nodes]\nid = \"n1\"\n"),
            "dim.toml:1:2: nodes: unknown key (did you mean node?)");
}

TEST_F(ConfigTest, RejectsSectionThatIsNotATable) {
  EXPECT_EQ(ErrorOf("node = 3\n"),
            "dim.toml:1:8: node: expected a table, got an integer");
}

TEST_F(ConfigTest, RejectsIntegerOutOfRange) {
  EXPECT_EQ(ErrorOf("[node]\n\n\n\n\n\nmax_concurrent_tasks = 0\n"),
            "dim.toml:7:24: node.max_concurrent_tasks: "
            "expected an integer from 1 to 256, got 0");
}

TEST_F(ConfigTest, RejectsValueOfTheWrongType) {
  EXPECT_EQ(ErrorOf("[server]\nlisten = 7420\n"),
            "dim.toml:2:10: server.listen: expected a string, got an integer");
  EXPECT_EQ(ErrorOf("[node]\nqueue_limit = \"10\"\n"),
            "dim.toml:2:15: node.queue_limit: "
            "expected an integer, got a string");
  EXPECT_EQ(ErrorOf("[orchestrator]\nfsync = 1.5\n"),
            "dim.toml:2:9: orchestrator.fsync: "
            "expected a boolean, got a float");
}

TEST_F(ConfigTest, RejectsNonStringInList) {
  EXPECT_EQ(ErrorOf("[node]\nprewarm = [\"triage\", 3]\n"),
            "dim.toml:2:22: node.prewarm: expected a string, got an integer");
}

TEST_F(ConfigTest, RejectsMalformedDuration) {
  EXPECT_EQ(ErrorOf("[pool]\nidle_timeout = \"soon\"\n"),
            "dim.toml:2:16: pool.idle_timeout: expected a duration such as "
            "'500ms', '30s', '5m' or '1h', got 'soon'");
}

TEST_F(ConfigTest, RejectsDeadAfterNotBeyondSuspectAfter) {
  Result<Config> config = LoadConfig(
      Write("[discovery]\nsuspect_after = 3\ndead_after = 3\n"), {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "discovery.dead_after (3) must be greater than "
            "discovery.suspect_after (3)");
}

TEST_F(ConfigTest, ReadsDiscoveryMode) {
  Result<Config> config =
      LoadConfig("", {{"DIM_DISCOVERY_MODE", "ipfs"},
                      {"DIM_IPFS_API", "/ip4/127.0.0.1/tcp/5001"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->discovery.mode, DiscoveryMode::kIpfs);
  EXPECT_EQ(config->ipfs.api, "/ip4/127.0.0.1/tcp/5001");
  EXPECT_EQ(ErrorOf("[discovery]\nmode = \"mdns\"\n"),
            "dim.toml:2:8: discovery.mode: "
            "expected ipfs, join or none, got 'mdns'");
}

TEST_F(ConfigTest, RejectsDurationOutOfRange) {
  EXPECT_EQ(ErrorOf("[discovery]\nsnapshot_interval = \"25h\"\n"),
            "dim.toml:2:21: discovery.snapshot_interval: "
            "expected a duration from 1s to 24h, got '25h'");
  EXPECT_EQ(ErrorOf("[node]\nheartbeat_interval = 0\n"),
            "dim.toml:2:22: node.heartbeat_interval: "
            "expected a duration from 100ms to 1m, got 0 seconds");
}

TEST_F(ConfigTest, RejectsUnknownChoice) {
  EXPECT_EQ(ErrorOf("[server]\nrole = \"boss\"\n"),
            "dim.toml:2:8: server.role: "
            "expected all, orchestrator or node, got 'boss'");
}

TEST_F(ConfigTest, RejectsAddressWithoutPort) {
  EXPECT_EQ(ErrorOf("[node]\njoin = \"orchestrator.lan\"\n"),
            "dim.toml:2:8: node.join: expected HOST:PORT such as "
            "127.0.0.1:7420, got 'orchestrator.lan'");
  EXPECT_EQ(ErrorOf("[node]\nadvertise = \"10.0.0.5:0\"\n"),
            "dim.toml:2:13: node.advertise: expected HOST:PORT such as "
            "127.0.0.1:7420, got '10.0.0.5:0'");
}

TEST_F(ConfigTest, ReportsTomlSyntaxErrorsAtTheirPosition) {
  EXPECT_EQ(ErrorOf("[node]\nid = = 1\n"),
            "dim.toml:2:6: Error while parsing value: "
            "could not determine value type");
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  std::string path = Write("[node]\nmax_concurrent_tasks = 3\n");
  Result<Config> config = LoadConfig(
      path, {{"DIM_NODE_MAX_CONCURRENT_TASKS", "4"},
             {"DIM_SERVER_LISTEN", "0.0.0.0:9000"},
             {"DIM_NODE_PREWARM", "triage, diagnosis,"},
             {"DIM_ORCHESTRATOR_FSYNC", "false"},
             {"DIM_ORCHESTRATOR_HEARTBEAT_INTERVAL", "750ms"},
             {"DIM_POOL_IDLE_TIMEOUT", "90"},
             {"DIM_LOG_LEVEL", "warn"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->node.max_concurrent_tasks, 4);
  EXPECT_EQ(config->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(config->node.prewarm,
            (std::vector<std::string>{"triage", "diagnosis"}));
  EXPECT_FALSE(config->orchestrator.fsync);
  EXPECT_EQ(config->orchestrator.heartbeat_interval, milliseconds(750));
  EXPECT_EQ(config->pool.idle_timeout, milliseconds(90000));
  EXPECT_EQ(config->log.level, dim::log::Level::kWarn);
}

TEST_F(ConfigTest, EnvironmentErrorNamesTheVariable) {
  EXPECT_EQ(EnvErrorOf({{"DIM_NODE_MAX_CONCURRENT_TASKS", "x"}}),
            "DIM_NODE_MAX_CONCURRENT_TASKS: "
            "expected an integer from 1 to 256, got 'x'");
  EXPECT_EQ(EnvErrorOf({{"DIM_ORCHESTRATOR_FSYNC", "yes"}}),
            "DIM_ORCHESTRATOR_FSYNC: expected true or false, got 'yes'");
  EXPECT_EQ(EnvErrorOf({{"DIM_SERVER_ROLE", "Node"}}),
            "DIM_SERVER_ROLE: expected all, orchestrator or node, got 'Node'");
}

TEST_F(ConfigTest, IgnoresDimVariablesThatAreNotKeys) {
  Result<Config> config = LoadConfig(
      "", {{"DIM_ADDR", "not an address"},
           {"DIM_TOKEN", "secret"},
           {"DIM_CONFIG", "/nowhere/dim.toml"},
           {"DIM_NODE_COLOUR", "blue"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(ConfigValues(*config), ConfigValues(Config{}));
}

TEST_F(ConfigTest, DataDirFollowsTheXdgConvention) {
  Config config;
  EXPECT_EQ(*ResolveDataDir(config, {{"XDG_STATE_HOME", "/state"},
                                     {"HOME", "/home/ada"}}),
            "/state/dimctl");
  EXPECT_EQ(*ResolveDataDir(config, {{"XDG_STATE_HOME", "relative"},
                                     {"HOME", "/home/ada"}}),
            "/home/ada/.local/state/dimctl");
  EXPECT_EQ(ResolveDataDir(config, {}).status().code(),
            Code::kFailedPrecondition);

  config.server.data_dir = "/var/lib/dimctl";
  EXPECT_EQ(*ResolveDataDir(config, {{"HOME", "/home/ada"}}),
            "/var/lib/dimctl");
}

TEST(DurationTest, ParsesEveryUnitAndRejectsTheRest) {
  milliseconds ms{-1};
  ASSERT_TRUE(ParseDuration("500ms", &ms));
  EXPECT_EQ(ms, milliseconds(500));
  ASSERT_TRUE(ParseDuration("5m", &ms));
  EXPECT_EQ(ms, milliseconds(300000));
  ASSERT_TRUE(ParseDuration("2h", &ms));
  EXPECT_EQ(ms, milliseconds(7200000));

  for (const char* bad : {"", "5", "m", "1.5s", "-1s", "5 s", "1d",
                          "99999999999999999999s", "9223372036854775807h"}) {
    EXPECT_FALSE(ParseDuration(bad, &ms)) << bad;
  }
}

TEST(DurationTest, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(milliseconds(300000)), "5m");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(milliseconds(3600000)), "1h");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0ms");
}

TEST(ProcessEnvironmentTest, SeesVariablesOfThisProcess) {
  setenv("DIM_CONFIG_TEST_PROBE", "a=b", 1);
  EXPECT_EQ(ProcessEnvironment()["DIM_CONFIG_TEST_PROBE"], "a=b");
  unsetenv("DIM_CONFIG_TEST_PROBE");
}

}  // namespace
}  // namespace dim::config
