// The mesh over IPFS end to end (issue #3): real Kubo daemons connected
// on loopback, orchestrators and nodes as separate `dimctl serve`
// processes that find each other through pubsub, a registry snapshot under
// IPNS, jobs handed between orchestrators, and the failures the mesh is
// for: a node killed, an orchestrator restarted, the IPFS daemon killed,
// and two processes claiming one node id.
#include <signal.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "dim/v1/dim.grpc.pb.h"

#include "tests/support/json.h"
#include "tests/support/mesh_cluster.h"

namespace dim::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// Beats every half second: SUSPECT after 1.125 s of silence, DEAD after
// 1.5 s. Shorter intervals make every process spawn `ipfs pubsub pub`
// more often than a loaded two-core machine keeps up with.
constexpr milliseconds kInterval{500};
const Env kFastBeats = {{"DIM_NODE_HEARTBEAT_INTERVAL", "500ms"},
                        {"DIM_ORCHESTRATOR_HEARTBEAT_INTERVAL", "500ms"}};
// Dead after 3 intervals, and what a busy machine adds to that.
constexpr milliseconds kDeadWithin{5000};
// Daemons meeting, subscriptions starting and first beats arriving.
constexpr milliseconds kJoinWithin{20000};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Tasks the node process at `address` has completed, by its own count.
uint64_t TasksCompleted(const std::string& address) {
  auto stub = dim::v1::Node::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + seconds(5));
  dim::v1::NodeStatus status;
  grpc::Status st = stub->GetNodeStatus(&ctx, {}, &status);
  EXPECT_TRUE(st.ok()) << address << ": " << st.error_message();
  return status.tasks_completed();
}

bool HasModel(const dim::v1::NodeEntry& node, const std::string& model) {
  for (const auto& m : node.status().models()) {
    if (m.id() == model) return true;
  }
  return false;
}

class MeshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KuboAvailable()) GTEST_SKIP() << "Kubo (the ipfs command) is not "
                                          "installed";
  }

  // Shows what every server logged, so that a failure can be read.
  void TearDown() override {
    if (!HasFailure()) return;
    for (const auto& [name, server] : servers_) {
      std::string err = server->process().Stderr();
      if (err.size() > 4000) err = "..." + err.substr(err.size() - 4000);
      std::cerr << "---- stderr of " << name << " ----\n" << err;
    }
  }

  void StartCluster(int daemons, const Env& env = kFastBeats) {
    cluster_ = std::make_unique<MeshCluster>(daemons, env);
    ASSERT_TRUE(cluster_->ok()) << cluster_->error();
  }

  // Keeps the server for TearDown's report; check ok() on the result.
  DimServer* Keep(const std::string& name, std::unique_ptr<DimServer> s) {
    servers_.emplace_back(name, std::move(s));
    return servers_.back().second.get();
  }

  struct Launch {
    std::string name;
    std::function<std::unique_ptr<DimServer>()> start;
  };
  Launch Orchestrator(const std::string& id, int daemon, Env env = {}) {
    return {id, [=] { return cluster_->Orchestrator(id, daemon, env); }};
  }
  Launch Node(const std::string& id, int daemon,
              const std::string& name = "") {
    return {name.empty() ? id : name,
            [=] { return cluster_->Node(id, daemon); }};
  }

  // Starts the servers side by side and keeps them; nullptr unless all
  // started.
  std::vector<DimServer*> StartAll(const std::vector<Launch>& launches) {
    std::vector<std::function<std::unique_ptr<DimServer>()>> starts;
    for (const auto& l : launches) starts.push_back(l.start);
    auto started = StartTogether(starts);
    std::vector<DimServer*> servers;
    bool ok = true;
    for (size_t i = 0; i < started.size(); ++i) {
      ok = ok && started[i]->ok();
      servers.push_back(Keep(launches[i].name, std::move(started[i])));
    }
    return ok ? servers : std::vector<DimServer*>(launches.size());
  }

  // Waits until the orchestrator at `address` sees every node of `ids`
  // ALIVE.
  bool WaitAlive(const std::string& address,
                 const std::vector<std::string>& ids,
                 milliseconds timeout = kJoinWithin) {
    return WaitFor([&] {
      for (const auto& id : ids) {
        if (NodeStateAt(address, id) != "ALIVE") return false;
      }
      return true;
    }, timeout);
  }

  dim::v1::ListNodesResponse List(const std::string& address) {
    std::string error;
    auto list = ListNodes(address, &error);
    EXPECT_TRUE(list.has_value()) << error;
    return list.value_or(dim::v1::ListNodesResponse());
  }

  // A chained job of `rows` rows through the `slow` example model, long
  // enough to kill its node in the middle.
  std::string SlowJob(int rows) {
    std::ostringstream job;
    job << "name = \"slow\"\npattern = \"chained\"\n[input]\nvalues = [";
    for (int r = 0; r < rows; ++r) {
      job << (r ? ", " : "") << "[0.5, 0.1, 0.2, 0.3]";
    }
    job << "]\n[[chained.steps]]\nmodel = \"slow\"\n";
    std::string path = dir_.path() + "/slow-" + std::to_string(rows) +
                       ".toml";
    WriteFile(path, job.str());
    return path;
  }

  // A job that waits for ever: no node holds its dataset.
  std::string WaitingJob() {
    std::string path = dir_.path() + "/waiting.toml";
    WriteFile(path, "name = \"waiting\"\npattern = \"collaborative\"\n"
                    "[collaborative]\nmodel = \"risk-score\"\n"
                    "datasets = [\"ward-z\"]\n");
    return path;
  }

  static std::string ChainedJob() {
    return SourceExamplesDir() + "/jobs/chained.toml";
  }

  // `submit -o json FILE`: {"id", "state", "owner"}.
  Json Submit(const DimServer& server, const std::string& path) {
    RunResult r = server.Cli({"-o", "json", "submit", path});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return r.exit_code == 0 ? ParseJson(r.out) : Json();
  }

  Json Show(const DimServer& server, const std::string& id) {
    RunResult r = server.Cli({"-o", "json", "job", "show", id});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return r.exit_code == 0 ? ParseJson(r.out) : Json();
  }

  // The job's reason once it starts with `prefix`, or the last one seen.
  std::string WaitForReason(const DimServer& server, const std::string& id,
                            const std::string& prefix) {
    std::string reason;
    WaitFor([&] {
      reason = Show(server, id)["reason"].string;
      return reason.rfind(prefix, 0) == 0;
    }, seconds(20), milliseconds(20));
    return reason;
  }

  std::unique_ptr<MeshCluster> cluster_;
  std::vector<std::pair<std::string, std::unique_ptr<DimServer>>> servers_;
  TempDir dir_;
};

// ------------------------------------------------------------ discovery

TEST_F(MeshTest, NodesAndOrchestratorsFindEachOtherAcrossDaemons) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(3));
  auto s = StartAll({Orchestrator("o1", 0), Orchestrator("o2", 1),
                     Node("n1", 1), Node("n2", 2)});
  DimServer *o1 = s[0], *o2 = s[1], *n1 = s[2], *n2 = s[3];
  ASSERT_TRUE(o1) << "a server did not start";

  for (DimServer* o : {o1, o2}) {
    ASSERT_TRUE(WaitAlive(o->addr(), {"n1", "n2"}))
        << o->addr() << " sees:\n" << Describe(List(o->addr()));
    RunResult r = o->Cli({"-o", "json", "node", "ls"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Json nodes = ParseJson(r.out);
    ASSERT_EQ(nodes.size(), 2u) << r.out;
    for (const auto& node : nodes.array) {
      const DimServer* self = node["id"].string == "n1" ? n1 : n2;
      EXPECT_EQ(node["address"].string, self->addr());
      EXPECT_EQ(node["source"].string, "pubsub");
      EXPECT_EQ(node["conflict"].string, "");
      std::vector<std::string> models;
      for (const auto& m : node["models"].array) {
        models.push_back(m["id"].string);
      }
      EXPECT_NE(std::find(models.begin(), models.end(), "slow"),
                models.end()) << r.out;
      EXPECT_NE(std::find(models.begin(), models.end(), "risk-score"),
                models.end()) << r.out;
    }
  }

  // Each orchestrator hears the other, with the address jobs go to.
  ASSERT_TRUE(WaitFor([&] {
    auto peer = FindOrchestrator(List(o1->addr()), "o2");
    return peer && peer->state() == dim::v1::NODE_STATE_ALIVE;
  }, kJoinWithin)) << Describe(List(o1->addr()));
  auto list = List(o1->addr());
  EXPECT_EQ(FindOrchestrator(list, "o2")->status().address(), o2->addr());
  ASSERT_TRUE(FindOrchestrator(list, "o1").has_value());
  EXPECT_TRUE(FindOrchestrator(list, "o1")->self());

  // Listens on the third daemon, which neither orchestrator uses.
  RunResult r = Dimctl({"-o", "json", "discover", "--ipfs-api",
                        cluster_->daemon(2).api(), "--timeout", "2.5"},
                       kFastBeats);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json heard = ParseJson(r.out);
  EXPECT_EQ(heard["rejected"].number, 0);
  std::map<std::string, const Json*> nodes;
  for (const auto& n : heard["nodes"].array) nodes[n["id"].string] = &n;
  ASSERT_EQ(nodes.size(), 2u) << r.out;
  for (const auto& [id, addr] : {std::pair{"n1", n1->addr()},
                                 std::pair{"n2", n2->addr()}}) {
    ASSERT_TRUE(nodes.count(id)) << r.out;
    EXPECT_EQ((*nodes[id])["address"].string, addr);
    EXPECT_EQ((*nodes[id])["state"].string, "ALIVE");
    EXPECT_FALSE((*nodes[id])["models"].array.empty()) << r.out;
  }
  std::set<std::string> orchestrators;
  for (const auto& o : heard["orchestrators"].array) {
    orchestrators.insert(o["id"].string);
  }
  EXPECT_EQ(orchestrators, (std::set<std::string>{"o1", "o2"})) << r.out;
}

TEST_F(MeshTest, RegisteredRecordAppearsThenDiesWhenNotRepeated) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(2));
  DimServer* o1 = StartAll({Orchestrator("o1", 0), Node("n1", 1)})[0];
  ASSERT_TRUE(o1) << "a server did not start";
  // Daemon 1 knows o1's subscription once o1 hears n1 through it.
  ASSERT_TRUE(WaitAlive(o1->addr(), {"n1"}));

  RunResult missing = Dimctl({"register", "--ipfs-api",
                              cluster_->daemon(1).api(), "--node-id", "ext"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "dimctl: error: register: --address is required "
                         "(or node.advertise in dim.toml)\n");

  RunResult r = Dimctl({"register", "--ipfs-api", cluster_->daemon(1).api(),
                        "--node-id", "ext", "--address", "127.0.0.1:9",
                        "--model", "ext-model", "--dataset", "ext-data"},
                       kFastBeats);
  auto announced = Clock::now();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "announced node ext at 127.0.0.1:9 (1 models, "
                   "1 datasets)\n");

  std::optional<dim::v1::NodeEntry> ext;
  ASSERT_TRUE(WaitFor([&] {
    ext = FindNode(List(o1->addr()), "ext");
    return ext.has_value();
  }, seconds(10))) << Describe(List(o1->addr()));
  EXPECT_EQ(ext->source(), "pubsub");
  EXPECT_EQ(ext->status().address(), "127.0.0.1:9");
  EXPECT_TRUE(HasModel(*ext, "ext-model"));
  ASSERT_EQ(ext->status().datasets_size(), 1);
  EXPECT_EQ(ext->status().datasets(0).name(), "ext-data");
  EXPECT_EQ(ext->interval_ms(), kInterval.count());

  // Announced once: ALIVE, then SUSPECT, then DEAD after 3 intervals.
  std::set<std::string> seen;
  bool dead = WaitFor([&] {
    std::string state = NodeStateAt(o1->addr(), "ext");
    seen.insert(state);
    return state == "DEAD";
  }, kDeadWithin, milliseconds(20));
  double took = SecondsSince(announced);
  std::cerr << "registered record DEAD " << took << " s after announcing\n";
  ASSERT_TRUE(dead) << Describe(List(o1->addr()));
  EXPECT_TRUE(seen.count("ALIVE"));
  EXPECT_TRUE(seen.count("SUSPECT"));
  EXPECT_GE(took, 2 * kInterval.count() / 1000.0);
  // The node that keeps beating is not affected.
  EXPECT_EQ(NodeStateAt(o1->addr(), "n1"), "ALIVE");
}

// ------------------------------------------------------ failure detection

TEST_F(MeshTest, KilledNodeIsDeadAndItsTaskFinishesOnAnother) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(2));
  auto s = StartAll({Orchestrator("o1", 0), Node("n1", 0), Node("n2", 1),
                     Node("n3", 1)});
  DimServer *o1 = s[0], *n1 = s[1], *n2 = s[2], *n3 = s[3];
  ASSERT_TRUE(o1) << "a server did not start";
  ASSERT_TRUE(WaitAlive(o1->addr(), {"n1", "n2", "n3"}))
      << Describe(List(o1->addr()));

  // An idle node is found dead by its silence alone.
  auto killed = Clock::now();
  n3->process().Stop(SIGKILL);
  std::set<std::string> seen;
  bool dead = WaitFor([&] {
    std::string state = NodeStateAt(o1->addr(), "n3");
    seen.insert(state);
    return state == "DEAD";
  }, kDeadWithin, milliseconds(20));
  std::cerr << "idle node DEAD " << SecondsSince(killed)
            << " s after kill -9\n";
  ASSERT_TRUE(dead) << Describe(List(o1->addr()));
  EXPECT_TRUE(seen.count("SUSPECT"));

  // A node in the middle of a task: the task moves to the other node.
  Json accepted = Submit(*o1, SlowJob(60));
  std::string id = accepted["id"].string;
  ASSERT_FALSE(id.empty());
  std::string reason = WaitForReason(*o1, id, "task sent to ");
  std::string victim = reason.substr(std::string("task sent to ").size());
  ASSERT_TRUE(victim == "n1" || victim == "n2") << reason;
  std::string survivor = victim == "n1" ? "n2" : "n1";
  killed = Clock::now();
  (victim == "n1" ? n1 : n2)->process().Stop(SIGKILL);
  ASSERT_TRUE(WaitFor([&] {
    return NodeStateAt(o1->addr(), victim) == "DEAD";
  }, kDeadWithin)) << Describe(List(o1->addr()));
  std::cerr << "busy node DEAD " << SecondsSince(killed)
            << " s after kill -9\n";

  for (int i = 0; i < 60; ++i) {
    Json j = Show(*o1, id);
    std::cerr << SecondsSince(killed) << " " << j["state"].string << " "
              << j["reason"].string << "\n";
    if (j["state"].string == "SUCCEEDED") break;
    std::this_thread::sleep_for(seconds(1));
  }
  RunResult wait = o1->Cli({"-o", "json", "job", "wait", id});
  ASSERT_EQ(wait.exit_code, 0) << wait.err << wait.out;
  Json done = ParseJson(wait.out);
  EXPECT_EQ(done["state"].string, "SUCCEEDED");
  const Json& part = done["result"]["parts"][0];
  EXPECT_EQ(part["node"].string, survivor);
  EXPECT_EQ(part["attempts"].number, 2);
  EXPECT_EQ(done["result"]["output"]["shape"].Numbers(),
            (std::vector<double>{60, 4}));
  EXPECT_EQ(NodeStateAt(o1->addr(), victim), "DEAD");
  EXPECT_EQ(NodeStateAt(o1->addr(), survivor), "ALIVE");
}

// ------------------------------------------------------------- forwarding

TEST_F(MeshTest, BusyOrchestratorHandsJobsToItsPeer) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(2));
  auto s = StartAll(
      {Orchestrator("o1", 0, {{"DIM_ORCHESTRATOR_FORWARD_MARGIN", "1"},
                              {"DIM_ORCHESTRATOR_MAX_CONCURRENT_JOBS", "1"}}),
       Orchestrator("o2", 1), Node("n1", 1)});
  DimServer *o1 = s[0], *o2 = s[1];
  ASSERT_TRUE(o1) << "a server did not start";
  ASSERT_TRUE(WaitAlive(o1->addr(), {"n1"}));
  ASSERT_TRUE(WaitAlive(o2->addr(), {"n1"}));
  ASSERT_TRUE(WaitFor([&] {
    auto peer = FindOrchestrator(List(o1->addr()), "o2");
    return peer && peer->state() == dim::v1::NODE_STATE_ALIVE;
  }, kJoinWithin)) << Describe(List(o1->addr()));

  // Two jobs that wait for ever keep o1 busy; within the margin they stay.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Submit(*o1, WaitingJob())["owner"].string, "o1");
  }
  // The third goes to o2, and o1 answers for it.
  Json handed = Submit(*o1, WaitingJob());
  std::string id = handed["id"].string;
  ASSERT_EQ(handed["owner"].string, "o2") << Describe(List(o1->addr()));
  EXPECT_NE(o1->process().Stderr().find("to orchestrator o2"),
            std::string::npos);
  EXPECT_EQ(WaitForReason(*o1, id, "waiting"),
            "waiting: no node holds dataset ward-z");
  EXPECT_EQ(Show(*o1, id)["owner"].string, "o2");
  RunResult cancel = o1->Cli({"-o", "json", "job", "cancel", id});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  auto cancelled_ms = NowMs();
  EXPECT_EQ(Show(*o2, id)["state"].string, "CANCELLED");

  // Once o1 hears o2 idle again, the next job goes there too; wait for it
  // through o1.
  ASSERT_TRUE(WaitFor([&] {
    auto peer = FindOrchestrator(List(o1->addr()), "o2");
    return peer && peer->last_seen_ms() > cancelled_ms &&
           peer->status().queued() + peer->status().running() == 0;
  }, seconds(10))) << Describe(List(o1->addr()));
  Json second = Submit(*o1, ChainedJob());
  ASSERT_EQ(second["owner"].string, "o2") << Describe(List(o1->addr()));
  RunResult wait = o1->Cli({"-o", "json", "job", "wait",
                            second["id"].string});
  ASSERT_EQ(wait.exit_code, 0) << wait.err << wait.out;
  Json done = ParseJson(wait.out);
  EXPECT_EQ(done["state"].string, "SUCCEEDED");
  EXPECT_EQ(done["owner"].string, "o2");
  EXPECT_EQ(done["result"]["parts"].size(), 3u);

  // A job no orchestrator holds: the error names the peers asked.
  RunResult unknown = o1->Cli({"job", "show", "j-000000000000"});
  EXPECT_EQ(unknown.exit_code, 4);
  EXPECT_EQ(unknown.err, "dimctl: error: no job 'j-000000000000' (nor on "
                         "the live peers o2)\n");
}

// ------------------------------------------------------- IPNS snapshot

// The registry snapshot o1 last published, read back from IPFS.
std::set<std::string> PublishedNodes(const KuboDaemon& daemon) {
  RunResult keys = daemon.Ipfs({"key", "list", "-l"});
  std::istringstream lines(keys.out);
  std::string key_id, name, line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    words >> key_id >> name;
    if (name == "dim-registry") break;
    key_id.clear();
  }
  if (key_id.empty()) return {};
  // Not `ipfs cat /ipns/...`: that answers from the daemon's cache of the
  // name, which would hold the first snapshot read for minutes.
  RunResult resolved =
      daemon.Ipfs({"name", "resolve", "--nocache", "/ipns/" + key_id});
  if (resolved.exit_code != 0) return {};
  std::string path = resolved.out.substr(0, resolved.out.find('\n'));
  RunResult text = daemon.Ipfs({"cat", path});
  if (text.exit_code != 0) return {};
  // An entry without an id stands in the set as itself, so that the
  // comparison fails and the wait's message shows what was published.
  std::set<std::string> ids;
  Json snapshot = ParseJson(text.out);
  if (!snapshot.Has("nodes")) return {"(no nodes in " + text.out + ")"};
  for (const auto& node : snapshot["nodes"].array) {
    bool named = node.Has("status") && node["status"].Has("nodeId");
    ids.insert(named ? node["status"]["nodeId"].string
                     : "(entry without nodeId in " + text.out + ")");
  }
  return ids;
}

TEST_F(MeshTest, RestartedOrchestratorRecoversRegistryFromIpns) {
  Env env = kFastBeats;
  env["DIM_DISCOVERY_SNAPSHOT_INTERVAL"] = "1s";
  ASSERT_NO_FATAL_FAILURE(StartCluster(2, env));
  TempDir data;
  auto s = StartAll(
      {{"o1 (first run)",
        [&] { return cluster_->Orchestrator("o1", 0, {}, data.path()); }},
       Node("n1", 1), Node("n2", 0)});
  DimServer *first = s[0], *n2 = s[2];
  ASSERT_TRUE(first) << "a server did not start";
  ASSERT_TRUE(WaitAlive(first->addr(), {"n1", "n2"}));
  std::set<std::string> published;
  ASSERT_TRUE(WaitFor([&] {
    published = PublishedNodes(cluster_->daemon(0));
    return published == std::set<std::string>{"n1", "n2"};
  }, seconds(15), milliseconds(200))) << "published: "
      << ::testing::PrintToString(published);
  EXPECT_NE(first->process().Stderr().find("published registry snapshot"),
            std::string::npos);
  EXPECT_EQ(first->process().Stop(SIGTERM), 0);
  n2->process().Stop(SIGTERM);

  DimServer* o1 = Keep("o1", cluster_->Orchestrator("o1", 0, {},
                                                    data.path()));
  ASSERT_TRUE(o1->ok());
  // Known before it is heard of: from the snapshot, SUSPECT.
  std::optional<dim::v1::NodeEntry> n2_entry;
  ASSERT_TRUE(WaitFor([&] {
    n2_entry = FindNode(List(o1->addr()), "n2");
    return n2_entry.has_value();
  }, seconds(10), milliseconds(20)));
  EXPECT_EQ(n2_entry->source(), "snapshot");
  EXPECT_EQ(n2_entry->last_seen_ms(), 0);
  EXPECT_EQ(StateName(n2_entry->state()), "SUSPECT");
  EXPECT_NE(o1->process().Stderr().find("SUSPECT until heard"),
            std::string::npos);

  ASSERT_TRUE(WaitFor([&] {
    return NodeStateAt(o1->addr(), "n2") == "DEAD";
  }, kDeadWithin)) << Describe(List(o1->addr()));
  ASSERT_TRUE(WaitAlive(o1->addr(), {"n1"}));
  EXPECT_EQ(FindNode(List(o1->addr()), "n1")->source(), "pubsub");
  EXPECT_EQ(FindNode(List(o1->addr()), "n2")->source(), "snapshot");
}

// ---------------------------------------------------------- IPFS outage

TEST_F(MeshTest, ServingGoesOnWhileTheIpfsDaemonIsDown) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(2));
  auto s = StartAll({{"all", [&] {
                         return cluster_->Serve(
                             0, {"--role", "all", "--orchestrator-id", "o1",
                                 "--node-id", "local", "--model-dir",
                                 ExamplesDir() + "/models"});
                       }},
                      Node("n2", 1)});
  DimServer* all = s[0];
  ASSERT_TRUE(all) << "a server did not start";
  ASSERT_TRUE(WaitAlive(all->addr(), {"local", "n2"}));
  EXPECT_TRUE(List(all->addr()).ipfs().ok());

  std::string running = Submit(*all, SlowJob(60))["id"].string;
  ASSERT_FALSE(running.empty());
  WaitForReason(*all, running, "task sent to ");
  std::string api = cluster_->daemon(0).api();
  cluster_->daemon(0).Kill();

  // The failures show, and the node only pubsub told of goes DEAD.
  ASSERT_TRUE(WaitFor([&] {
    auto ipfs = List(all->addr()).ipfs();
    return ipfs.used() && !ipfs.ok() && ipfs.failures() > 0;
  }, seconds(10))) << Describe(List(all->addr()));
  ASSERT_TRUE(WaitFor([&] {
    return NodeStateAt(all->addr(), "n2") == "DEAD";
  }, kDeadWithin)) << Describe(List(all->addr()));
  EXPECT_EQ(NodeStateAt(all->addr(), "local"), "ALIVE");
  EXPECT_FALSE(List(all->addr()).ipfs().last_error().empty());

  // Jobs keep running on the node the orchestrator knows without IPFS.
  RunResult during = all->Cli({"-o", "json", "submit", ChainedJob(),
                               "--wait"});
  ASSERT_EQ(during.exit_code, 0) << during.err << during.out;
  Json done = ParseJson(during.out);
  EXPECT_EQ(done["state"].string, "SUCCEEDED");
  for (const auto& part : done["result"]["parts"].array) {
    EXPECT_EQ(part["node"].string, "local");
  }
  RunResult waited = all->Cli({"-o", "json", "job", "wait", running});
  ASSERT_EQ(waited.exit_code, 0) << waited.err << waited.out;
  EXPECT_EQ(ParseJson(waited.out)["state"].string, "SUCCEEDED");

  // The daemon back (and reconnected): n2 is heard again through it.
  ASSERT_TRUE(cluster_->daemon(0).Restart()) << cluster_->daemon(0).error();
  ASSERT_EQ(cluster_->daemon(0).api(), api) << "the API port was taken";
  ASSERT_TRUE(cluster_->ConnectAll()) << cluster_->error();
  auto restarted = Clock::now();
  ASSERT_TRUE(WaitFor([&] {
    auto list = List(all->addr());
    auto node = FindNode(list, "n2");
    return list.ipfs().ok() && node &&
           node->state() == dim::v1::NODE_STATE_ALIVE;
  }, seconds(20))) << Describe(List(all->addr()));
  std::cerr << "n2 ALIVE again " << SecondsSince(restarted)
            << " s after the daemon restarted\n";
  auto list = List(all->addr());
  EXPECT_EQ(FindNode(list, "n2")->source(), "pubsub");
  EXPECT_GT(list.ipfs().failures(), 0u);
}

// ------------------------------------------------------------- conflicts

TEST_F(MeshTest, SecondProcessWithTheSameNodeIdIsReportedNotMerged) {
  // One-second beats: the first process keeps the id only while it is
  // heard within 1.5 intervals of the second one's beats.
  ASSERT_NO_FATAL_FAILURE(StartCluster(2, {}));
  auto s = StartAll({Orchestrator("o1", 0), Node("dup", 0, "first")});
  DimServer *o1 = s[0], *first = s[1];
  ASSERT_TRUE(o1) << "a server did not start";
  ASSERT_TRUE(WaitAlive(o1->addr(), {"dup"}));
  DimServer* second = Keep("second", cluster_->Node("dup", 1));
  ASSERT_TRUE(second->ok());

  std::optional<dim::v1::NodeEntry> dup;
  ASSERT_TRUE(WaitFor([&] {
    dup = FindNode(List(o1->addr()), "dup");
    return dup && !dup->conflict().empty();
  }, seconds(15))) << Describe(List(o1->addr()));
  EXPECT_EQ(dup->status().address(), first->addr());
  EXPECT_NE(dup->conflict().find(second->addr()), std::string::npos)
      << dup->conflict();
  EXPECT_NE(o1->process().Stderr().find("is claimed by two processes"),
            std::string::npos);

  RunResult ls = o1->Cli({"-o", "json", "node", "ls"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  Json nodes = ParseJson(ls.out);
  ASSERT_EQ(nodes.size(), 1u) << ls.out;
  EXPECT_EQ(nodes[0]["address"].string, first->addr());
  EXPECT_EQ(nodes[0]["state"].string, "ALIVE");
  EXPECT_FALSE(nodes[0]["conflict"].string.empty());

  // Jobs still run, on the process the registry kept.
  RunResult job = o1->Cli({"-o", "json", "submit", ChainedJob(), "--wait"});
  ASSERT_EQ(job.exit_code, 0) << job.err << job.out;
  EXPECT_EQ(ParseJson(job.out)["result"]["parts"].size(), 3u);
  EXPECT_EQ(TasksCompleted(first->addr()), 3u);
  EXPECT_EQ(TasksCompleted(second->addr()), 0u);
  EXPECT_TRUE(first->process().Running());
  EXPECT_TRUE(second->process().Running());

  // The rival gone, the conflict is forgotten after dead_after intervals.
  second->process().Stop(SIGTERM);
  ASSERT_TRUE(WaitFor([&] {
    dup = FindNode(List(o1->addr()), "dup");
    return dup && dup->conflict().empty();
  }, seconds(15))) << Describe(List(o1->addr()));
  EXPECT_EQ(dup->status().address(), first->addr());
  EXPECT_EQ(StateName(dup->state()), "ALIVE");
}

}  // namespace
}  // namespace dim::testing
