#include "tests/support/mesh_cluster.h"

#include <thread>

#include <grpcpp/grpcpp.h>

#include "dim/v1/dim.grpc.pb.h"

namespace dim::testing {

namespace {

using Clock = std::chrono::steady_clock;

// Between the starts of processes started side by side, so that they do
// not name their temporary output files at the same moment (the counter
// that process.cc numbers them with is a plain int).
constexpr std::chrono::milliseconds kStagger{100};

}  // namespace

MeshCluster::MeshCluster(int daemons, Env env) : env_(std::move(env)) {
  daemons_.resize(daemons);
  std::vector<std::thread> starting;
  for (int i = 0; i < daemons; ++i) {
    if (i > 0) std::this_thread::sleep_for(kStagger);
    starting.emplace_back(
        [this, i] { daemons_[i] = std::make_unique<KuboDaemon>(); });
  }
  for (auto& t : starting) t.join();
  for (int i = 0; i < daemons; ++i) {
    if (!daemons_[i]->ok()) {
      error_ = "daemon " + std::to_string(i) + ": " + daemons_[i]->error();
      return;
    }
  }
  ConnectAll();
}

bool MeshCluster::ConnectAll() {
  for (size_t i = 0; i < daemons_.size(); ++i) {
    for (size_t j = i + 1; j < daemons_.size(); ++j) {
      if (!daemons_[j]->Connect(*daemons_[i])) {
        error_ = "connecting daemon " + std::to_string(j) + " to " +
                 std::to_string(i) + ": " + daemons_[j]->error();
        return false;
      }
    }
  }
  return true;
}

std::unique_ptr<DimServer> MeshCluster::Serve(int daemon,
                                              std::vector<std::string> args,
                                              const Env& extra,
                                              const std::string& data_dir) {
  args.insert(args.end(), {"--discovery", "ipfs", "--ipfs-api",
                           daemons_.at(daemon)->api()});
  Env env = env_;
  for (const auto& [key, value] : extra) env[key] = value;
  return std::make_unique<DimServer>(std::move(args), std::move(env),
                                     data_dir);
}

std::unique_ptr<DimServer> MeshCluster::Orchestrator(
    const std::string& id, int daemon, const Env& extra,
    const std::string& data_dir) {
  return Serve(daemon, {"--role", "orchestrator", "--orchestrator-id", id},
               extra, data_dir);
}

std::unique_ptr<DimServer> MeshCluster::Node(const std::string& id,
                                             int daemon, const Env& extra) {
  return Serve(daemon,
               {"--role", "node", "--node-id", id, "--model-dir",
                ExamplesDir() + "/models"},
               extra);
}

std::vector<std::unique_ptr<DimServer>> StartTogether(
    const std::vector<std::function<std::unique_ptr<DimServer>()>>& starts) {
  std::vector<std::unique_ptr<DimServer>> servers(starts.size());
  std::vector<std::thread> starting;
  for (size_t i = 0; i < starts.size(); ++i) {
    if (i > 0) std::this_thread::sleep_for(kStagger);
    starting.emplace_back([&, i] { servers[i] = starts[i](); });
  }
  for (auto& t : starting) t.join();
  return servers;
}

std::optional<dim::v1::ListNodesResponse> ListNodes(
    const std::string& address, std::string* error) {
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = dim::v1::Orchestrator::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::seconds(5));
  dim::v1::ListNodesResponse response;
  grpc::Status st = stub->ListNodes(&ctx, {}, &response);
  if (st.ok()) return response;
  if (error) *error = "ListNodes at " + address + ": " + st.error_message();
  return std::nullopt;
}

std::optional<dim::v1::NodeEntry> FindNode(
    const dim::v1::ListNodesResponse& list, const std::string& id) {
  for (const auto& node : list.nodes()) {
    if (node.status().node_id() == id) return node;
  }
  return std::nullopt;
}

std::optional<dim::v1::OrchestratorEntry> FindOrchestrator(
    const dim::v1::ListNodesResponse& list, const std::string& id) {
  for (const auto& o : list.orchestrators()) {
    if (o.status().orchestrator_id() == id) return o;
  }
  return std::nullopt;
}

std::string NodeStateAt(const std::string& address, const std::string& id) {
  auto list = ListNodes(address);
  if (!list) return "";
  auto node = FindNode(*list, id);
  return node ? StateName(node->state()) : "";
}

std::string StateName(dim::v1::NodeState state) {
  std::string name = dim::v1::NodeState_Name(state);
  const std::string prefix = "NODE_STATE_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

std::string Describe(const dim::v1::ListNodesResponse& list) {
  std::string text;
  for (const auto& n : list.nodes()) {
    text += "  node " + n.status().node_id() + " at " + n.status().address() +
            " " + StateName(n.state()) + " source=" + n.source() +
            " conflict=\"" + n.conflict() + "\"\n";
  }
  for (const auto& o : list.orchestrators()) {
    text += "  orchestrator " + o.status().orchestrator_id() + " " +
            StateName(o.state()) + " load=" +
            std::to_string(o.status().queued() + o.status().running()) +
            (o.self() ? " (self)" : "") + "\n";
  }
  const auto& ipfs = list.ipfs();
  text += "  ipfs used=" + std::to_string(ipfs.used()) +
          " ok=" + std::to_string(ipfs.ok()) +
          " failures=" + std::to_string(ipfs.failures()) +
          " last_error=\"" + ipfs.last_error() + "\"\n";
  return text;
}

bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout,
             std::chrono::milliseconds poll) {
  auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace dim::testing
