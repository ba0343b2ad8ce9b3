// A network partition between an orchestrator and a node that find each
// other through IPFS. Each runs with its own Kubo daemon in a network
// namespace of its own; the two namespaces are joined by one veth pair and
// have no other way out, so no traffic can leave them. Taking the link
// down must make the node DEAD on the orchestrator while the node process
// keeps running; bringing it back up must make the node ALIVE again.
//
// Needs root (ip netns) and Kubo; skips without them.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/json.h"
#include "tests/support/kubo.h"
#include "tests/support/process.h"

namespace dim::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Short, so that DEAD comes quickly: 3 intervals of silence.
constexpr milliseconds kBeatInterval{500};
constexpr int kDeadAfter = 3;  // discovery.dead_after's default
// On top of the silence itself: pubsub latency and a CLI poll.
constexpr milliseconds kDetectionMargin{1500};
constexpr char kNodeId[] = "n1";

// The first executable `name` on PATH; Run and Process take paths.
std::string Which(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

long Ms(Clock::duration d) {
  return static_cast<long>(
      std::chrono::duration_cast<milliseconds>(d).count());
}

std::string Describe(const std::vector<std::string>& argv,
                     const RunResult& r) {
  std::string text;
  for (const auto& a : argv) text += (text.empty() ? "" : " ") + a;
  return text + " exited " + std::to_string(r.exit_code) + ": " + r.err +
         r.out;
}

class PartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KuboAvailable()) GTEST_SKIP() << "the ipfs command is not installed";
    ip_ = Which("ip");
    if (ip_.empty()) GTEST_SKIP() << "the ip command (iproute2) is missing";
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root to create network namespaces (ip netns)";
    }
    std::string pid = std::to_string(getpid());
    ns_a_ = "dimA-" + pid;
    ns_b_ = "dimB-" + pid;
    veth_a_ = "dimva" + pid;
    veth_b_ = "dimvb" + pid;
    std::string net = "10.213." + std::to_string(getpid() % 250 + 1) + ".";
    host_a_ = net + "1";
    host_b_ = net + "2";

    ASSERT_NO_FATAL_FAILURE(CreateNamespaces());
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(StartKubo());
    ASSERT_NO_FATAL_FAILURE(StartServers());
  }

  // Processes first: a namespace is only gone once nothing runs in it.
  void TearDown() override {
    for (auto* p : {&node_, &orchestrator_}) {
      if (*p) (*p)->Stop(SIGTERM, std::chrono::seconds(5));
      p->reset();
    }
    kubo_b_.reset();
    kubo_a_.reset();
    for (const std::string* ns : {&ns_b_, &ns_a_}) {
      if (created_.count(*ns) == 0) continue;
      KillLeftovers(*ns);
      Ip({"netns", "del", *ns});
    }
  }

  // {ip, netns, exec, NS}: the prefix that runs a command inside NS.
  std::vector<std::string> In(const std::string& ns) const {
    return {ip_, "netns", "exec", ns};
  }

  // `ip ARGS...`; a failure is recorded with what ip said.
  bool Ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv{ip_};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = dim::testing::Run(argv, {}, std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 0) << Describe(argv, r);
    return r.exit_code == 0;
  }

  void CreateNamespaces() {
    for (const std::string& ns : {ns_a_, ns_b_}) {
      RunResult r = dim::testing::Run({ip_, "netns", "add", ns}, {});
      if (r.exit_code != 0 &&
          (r.err.find("ermission") != std::string::npos ||
           r.err.find("not permitted") != std::string::npos)) {
        GTEST_SKIP() << "ip netns add is not permitted here: " << r.err;
      }
      ASSERT_EQ(r.exit_code, 0) << Describe({ip_, "netns", "add", ns}, r);
      created_.insert(ns);
    }
    // The veth pair is created inside A and its peer moved to B: neither
    // end ever exists in the test's own namespace.
    ASSERT_TRUE(Ip({"-n", ns_a_, "link", "add", veth_a_, "type", "veth",
                    "peer", "name", veth_b_, "netns", ns_b_}));
    const struct {
      const std::string& ns;
      const std::string& dev;
      const std::string& host;
    } ends[] = {{ns_a_, veth_a_, host_a_}, {ns_b_, veth_b_, host_b_}};
    for (const auto& end : ends) {
      ASSERT_TRUE(Ip({"-n", end.ns, "link", "set", "lo", "up"}));
      ASSERT_TRUE(Ip({"-n", end.ns, "addr", "add", end.host + "/24", "dev",
                      end.dev}));
      ASSERT_TRUE(Ip({"-n", end.ns, "link", "set", end.dev, "up"}));
    }
  }

  void StartKubo() {
    kubo_a_ = std::make_unique<KuboDaemon>(
        KuboOptions{In(ns_a_), host_a_, "127.0.0.1"});
    ASSERT_TRUE(kubo_a_->ok()) << kubo_a_->error();
    kubo_b_ = std::make_unique<KuboDaemon>(
        KuboOptions{In(ns_b_), host_b_, "127.0.0.1"});
    ASSERT_TRUE(kubo_b_->ok()) << kubo_b_->error();
    ASSERT_TRUE(kubo_b_->Connect(*kubo_a_)) << kubo_b_->error();
  }

  // Starts `dimctl serve ARGS...` inside `ns` and returns its address.
  std::string Serve(const std::string& ns, std::vector<std::string> args,
                    std::unique_ptr<Process>* process) {
    std::vector<std::string> argv = In(ns);
    argv.insert(argv.end(), {DimctlPath(), "serve", "--discovery", "ipfs",
                             "--log-level", "info"});
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env{
        {"DIM_NODE_HEARTBEAT_INTERVAL",
         std::to_string(kBeatInterval.count()) + "ms"}};
    *process = std::make_unique<Process>(argv, env);
    const std::string marker = "serving on ";
    if (!(*process)->WaitForOutput(marker, std::chrono::seconds(30))) {
      ADD_FAILURE() << "dimctl serve in " << ns << " did not start:\n"
                    << (*process)->Stderr();
      return "";
    }
    std::string out = (*process)->Stdout();
    size_t start = out.find(marker) + marker.size();
    return out.substr(start, out.find('\n', start) - start);
  }

  void StartServers() {
    orchestrator_addr_ =
        Serve(ns_a_,
              {"--role", "orchestrator", "--orchestrator-id", "o1",
               "--ipfs-api", kubo_a_->api(), "--listen", host_a_ + ":0",
               "--data-dir", data_.path()},
              &orchestrator_);
    ASSERT_FALSE(orchestrator_addr_.empty());
    node_addr_ = Serve(ns_b_,
                       {"--role", "node", "--node-id", kNodeId,
                        "--ipfs-api", kubo_b_->api(), "--listen",
                        host_b_ + ":0"},
                       &node_);
    ASSERT_FALSE(node_addr_.empty());
    ASSERT_TRUE(WaitForState("ALIVE", std::chrono::seconds(30)))
        << "the node never became ALIVE" << Logs();
  }

  // The node as the orchestrator sees it, asked from inside namespace A;
  // an empty object while the orchestrator does not know it.
  Json NodeEntry() {
    std::vector<std::string> argv = In(ns_a_);
    argv.insert(argv.end(), {DimctlPath(), "--addr", orchestrator_addr_,
                             "-o", "json", "node", "show", kNodeId});
    RunResult r = dim::testing::Run(argv, {}, std::chrono::seconds(10));
    if (r.exit_code != 0) return Json{};
    try {
      return ParseJson(r.out);
    } catch (const std::exception&) {
      return Json{};
    }
  }

  std::string NodeState() {
    Json entry = NodeEntry();
    return entry.Has("state") ? entry["state"].string : "";
  }

  // How long the node took to reach `want`; nullopt if it did not within
  // `timeout`.
  std::optional<milliseconds> WaitForState(const std::string& want,
                                           milliseconds timeout) {
    auto start = Clock::now();
    while (Clock::now() - start < timeout) {
      if (NodeState() == want) {
        return std::chrono::duration_cast<milliseconds>(Clock::now() -
                                                        start);
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return std::nullopt;
  }

  std::string Logs() const {
    return "\norchestrator log:\n" +
           (orchestrator_ ? orchestrator_->Stderr() : "") + "\nnode log:\n" +
           (node_ ? node_->Stderr() : "");
  }

  // Whatever still runs in `ns` was started by this test (a child of a
  // daemon, say).
  void KillLeftovers(const std::string& ns) {
    RunResult r = dim::testing::Run({ip_, "netns", "pids", ns}, {});
    std::stringstream pids(r.out);
    pid_t pid = 0;
    while (pids >> pid) {
      if (pid > 1) kill(pid, SIGKILL);
    }
  }

  std::string ip_;
  std::string ns_a_, ns_b_, veth_a_, veth_b_, host_a_, host_b_;
  std::set<std::string> created_;
  std::unique_ptr<KuboDaemon> kubo_a_, kubo_b_;
  TempDir data_;
  std::unique_ptr<Process> orchestrator_, node_;
  std::string orchestrator_addr_, node_addr_;
};

TEST_F(PartitionTest, NodeIsDeadWhileCutOffAndAliveAgainAfterHealing) {
  Json before = NodeEntry();
  ASSERT_TRUE(before.Has("state")) << Logs();
  ASSERT_EQ(before["state"].string, "ALIVE") << Logs();
  EXPECT_EQ(before["address"].string, node_addr_);
  EXPECT_EQ(before["source"].string, "pubsub");

  ASSERT_TRUE(Ip({"-n", ns_a_, "link", "set", veth_a_, "down"}));
  auto dead = WaitForState("DEAD", kBeatInterval * kDeadAfter +
                                       kDetectionMargin);
  ASSERT_TRUE(dead.has_value())
      << "still " << NodeState() << " "
      << Ms(kBeatInterval * kDeadAfter + kDetectionMargin)
      << " ms after the link went down" << Logs();
  EXPECT_TRUE(node_->Running()) << "the node died instead of being cut off";
  // Nothing leaks through a partition: the node stays DEAD.
  std::this_thread::sleep_for(kBeatInterval * 2);
  EXPECT_EQ(NodeState(), "DEAD");

  ASSERT_TRUE(Ip({"-n", ns_a_, "link", "set", veth_a_, "up"}));
  // The daemons' connection usually survives a short outage; dialing again
  // covers the case where it did not.
  std::optional<milliseconds> alive;
  auto healed = Clock::now();
  for (int attempt = 0; attempt < 5 && !alive; ++attempt) {
    kubo_b_->Connect(*kubo_a_);
    alive = WaitForState("ALIVE", std::chrono::seconds(4));
  }
  ASSERT_TRUE(alive.has_value())
      << "still " << NodeState() << " " << Ms(Clock::now() - healed)
      << " ms after the link came back" << Logs();
  Json after = NodeEntry();
  ASSERT_TRUE(after.Has("address"));
  EXPECT_EQ(after["address"].string, node_addr_);
  EXPECT_TRUE(node_->Running());
}

}  // namespace
}  // namespace dim::testing
