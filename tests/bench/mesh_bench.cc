// How quickly membership over IPFS reacts, at the default settings
// (heartbeat every 1 s, DEAD after 3 silent intervals). Two Kubo daemons,
// A and B, connected on loopback; an orchestrator process on A. Each trial
// starts a node process on B under a new node id and measures:
//   listen     fork/exec of `dimctl serve --role node` to its "serving on"
//              line (mostly libtorch start-up);
//   discovery  fork/exec to ALIVE on the orchestrator;
//   detection  kill -9 of the node to DEAD on the orchestrator.
// The orchestrator is polled with ListNodes over gRPC every 10 ms. The
// node is killed at a different point of its beat cycle in every trial,
// so that detection covers the whole range. Prints a table, a summary and
//   MESH discovery_p50_s=<median> detection_max_s=<max>
// Trials: --trials N, or $MESH_BENCH_TRIALS; 20 by default.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "dim/v1/dim.grpc.pb.h"
#include "tests/support/kubo.h"
#include "tests/support/process.h"

namespace {

using dim::testing::KuboDaemon;
using dim::testing::Process;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultTrials = 20;
constexpr milliseconds kPollEvery{10};
constexpr milliseconds kBeatInterval{1000};  // node.heartbeat_interval
// A trial that takes longer than this has failed, not merely been slow.
constexpr milliseconds kGiveUp{20000};
constexpr double kDiscoveryTarget = 1.1;
constexpr double kDetectionTarget = 3.0;

struct Trial {
  double listen_s = 0;
  double discovery_s = 0;
  double detection_s = 0;
};

// Thrown when a trial cannot go on, so that the daemons and servers are
// stopped on the way out.
struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Fails with the logs of the processes involved (either may be null).
[[noreturn]] void Fail(const std::string& what, const Process* orchestrator,
                       const Process* node) {
  std::string text = what;
  if (orchestrator) text += "\norchestrator log:\n" + orchestrator->Stderr();
  if (node) text += "\nnode log:\n" + node->Stderr();
  throw BenchError(text);
}

int TrialCount(int argc, char** argv) {
  const char* text = std::getenv("MESH_BENCH_TRIALS");
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--trials") == 0) text = argv[i + 1];
  }
  int n = text ? std::atoi(text) : kDefaultTrials;
  if (n < 1) {
    std::cerr << "mesh_bench: --trials: want a positive count, got '"
              << (text ? text : "") << "'\n";
    std::exit(2);
  }
  return n;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The address in the "serving on HOST:PORT" line, once printed.
std::optional<std::string> ServingAddress(const Process& p) {
  const std::string marker = "serving on ";
  std::string out = p.Stdout();
  size_t at = out.find(marker);
  if (at == std::string::npos) return std::nullopt;
  size_t start = at + marker.size();
  size_t end = out.find('\n', start);
  if (end == std::string::npos) return std::nullopt;
  return out.substr(start, end - start);
}

class Orchestrator {
 public:
  Orchestrator(const KuboDaemon& kubo, const std::string& data_dir)
      : process_({dim::testing::DimctlPath(), "serve", "--role",
                  "orchestrator", "--discovery", "ipfs", "--ipfs-api",
                  kubo.api(), "--orchestrator-id", "bench-o1", "--listen",
                  "127.0.0.1:0", "--data-dir", data_dir, "--log-level",
                  "warn"}) {
    if (!process_.WaitForOutput("serving on ", std::chrono::seconds(30))) {
      Fail("the orchestrator did not start", &process_, nullptr);
    }
    stub_ = dim::v1::Orchestrator::NewStub(grpc::CreateChannel(
        *ServingAddress(process_), grpc::InsecureChannelCredentials()));
  }
  ~Orchestrator() { process_.Stop(SIGTERM); }

  // The node's state, or UNSPECIFIED while it is unknown.
  dim::v1::NodeState StateOf(const std::string& node_id) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(2));
    dim::v1::ListNodesResponse response;
    grpc::Status st =
        stub_->ListNodes(&ctx, dim::v1::ListNodesRequest(), &response);
    if (!st.ok()) {
      Fail("ListNodes: " + st.error_message(), &process_, nullptr);
    }
    for (const auto& n : response.nodes()) {
      if (n.status().node_id() == node_id) return n.state();
    }
    return dim::v1::NODE_STATE_UNSPECIFIED;
  }

  const Process& process() const { return process_; }

 private:
  Process process_;
  std::unique_ptr<dim::v1::Orchestrator::Stub> stub_;
};

// Heartbeats published on B before B knows of A's subscription go
// nowhere; wait for it so that the first trial measures what the others
// do.
void WaitForSubscription(const KuboDaemon& a, const KuboDaemon& b) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    auto r = b.Ipfs({"pubsub", "peers", "dim.nodes.heartbeat"});
    if (r.out.find(a.peer_id()) != std::string::npos) return;
    std::this_thread::sleep_for(milliseconds(50));
  }
  Fail("daemon B never saw the orchestrator's subscription", nullptr,
       nullptr);
}

Trial RunTrial(Orchestrator* orch, const KuboDaemon& b, int index,
               int trials) {
  std::string id = "bench-n" + std::to_string(getpid()) + "-" +
                   std::to_string(index);
  Trial t;
  auto start = Clock::now();
  Process node({dim::testing::DimctlPath(), "serve", "--role", "node",
                "--discovery", "ipfs", "--ipfs-api", b.api(), "--node-id",
                id, "--listen", "127.0.0.1:0", "--log-level", "warn"});
  std::optional<Clock::time_point> listening;
  while (orch->StateOf(id) != dim::v1::NODE_STATE_ALIVE) {
    if (!listening && ServingAddress(node)) listening = Clock::now();
    if (Clock::now() - start > kGiveUp || !node.Running()) {
      Fail("node " + id + " did not become ALIVE", &orch->process(), &node);
    }
    std::this_thread::sleep_for(kPollEvery);
  }
  auto alive = Clock::now();
  t.discovery_s = Seconds(alive - start);
  // A node seen ALIVE has listened; the poll may just have missed it.
  t.listen_s = Seconds((listening ? *listening : alive) - start);

  // Two beats and then a slice of the cycle that moves with each trial.
  std::this_thread::sleep_for(kBeatInterval * 2 +
                              kBeatInterval * index / trials);
  auto killed = Clock::now();
  node.Stop(SIGKILL);
  while (orch->StateOf(id) != dim::v1::NODE_STATE_DEAD) {
    if (Clock::now() - killed > kGiveUp) {
      Fail("node " + id + " was never declared DEAD", &orch->process(),
           nullptr);
    }
    std::this_thread::sleep_for(kPollEvery);
  }
  t.detection_s = Seconds(Clock::now() - killed);
  return t;
}

struct Summary {
  double min, median, p90, max;
};

Summary Summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  // Nearest rank: the smallest value with at least 90% at or below it.
  size_t rank = (n * 9 + 9) / 10;
  return {v.front(), median, v[std::max<size_t>(rank, 1) - 1], v.back()};
}

void PrintSummary(const char* name, const Summary& s) {
  std::printf("%-12s %8.3f %8.3f %8.3f %8.3f\n", name, s.min, s.median,
              s.p90, s.max);
}

void Print(const std::vector<Trial>& results) {
  std::vector<double> listen, discovery, detection;
  for (const Trial& t : results) {
    listen.push_back(t.listen_s);
    discovery.push_back(t.discovery_s);
    detection.push_back(t.detection_s);
  }
  std::printf("\n%-12s %8s %8s %8s %8s\n", "seconds", "min", "median",
              "p90", "max");
  Summary d = Summarize(discovery), k = Summarize(detection);
  PrintSummary("listen", Summarize(listen));
  PrintSummary("discovery", d);
  PrintSummary("detection", k);
  auto verdict = [](bool met) { return met ? "met" : "MISSED"; };
  std::printf("targets: discovery median <= %.1f s (%s), "
              "detection max <= %.1f s (%s)\n",
              kDiscoveryTarget, verdict(d.median <= kDiscoveryTarget),
              kDetectionTarget, verdict(k.max <= kDetectionTarget));
  std::printf("MESH discovery_p50_s=%.3f detection_max_s=%.3f\n", d.median,
              k.max);
}

void Bench(int trials) {
  KuboDaemon a, b;
  if (!a.ok()) Fail("daemon A: " + a.error(), nullptr, nullptr);
  if (!b.ok()) Fail("daemon B: " + b.error(), nullptr, nullptr);
  if (!b.Connect(a)) Fail(b.error(), nullptr, nullptr);
  dim::testing::TempDir data;
  Orchestrator orch(a, data.path());
  WaitForSubscription(a, b);

  std::printf("%5s %10s %12s %12s\n", "trial", "listen s", "discovery s",
              "detection s");
  std::vector<Trial> results;
  for (int i = 0; i < trials; ++i) {
    Trial t = RunTrial(&orch, b, i, trials);
    std::printf("%5d %10.3f %12.3f %12.3f\n", i + 1, t.listen_s,
                t.discovery_s, t.detection_s);
    std::fflush(stdout);
    results.push_back(t);
  }
  Print(results);
}

}  // namespace

int main(int argc, char** argv) {
  int trials = TrialCount(argc, argv);
  if (!dim::testing::KuboAvailable()) {
    std::cerr << "mesh_bench: the ipfs command (Kubo) is not installed\n";
    return 1;
  }
  try {
    Bench(trials);
  } catch (const BenchError& e) {
    std::cerr << "mesh_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
