// A mesh on loopback for end-to-end tests: real Kubo daemons connected to
// one another, and real `dimctl serve` processes that find each other
// through them (discovery mode ipfs). Also reads an orchestrator's
// ListNodes over gRPC, for what `dimctl node ls` does not print: the peer
// orchestrators and the health of the IPFS daemon.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dim/v1/dim.pb.h"
#include "tests/support/kubo.h"
#include "tests/support/server_fixture.h"

namespace dim::testing {

using Env = std::map<std::string, std::string>;

class MeshCluster {
 public:
  // Starts `daemons` Kubo daemons (side by side), each connected to every
  // other. `env`
  // goes to every server started (DIM_* settings such as heartbeat
  // intervals); check ok().
  MeshCluster(int daemons, Env env);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  KuboDaemon& daemon(int i) { return *daemons_.at(i); }
  const Env& env() const { return env_; }

  // Connects every pair again, as after a daemon restarted: test daemons
  // have no bootstrap peers, so nothing reconnects them by itself.
  bool ConnectAll();

  // `dimctl serve ARGS --discovery ipfs --ipfs-api <daemon's API>` with
  // the cluster's environment and then `extra`. An empty data_dir is a
  // fresh temporary one.
  std::unique_ptr<DimServer> Serve(int daemon, std::vector<std::string> args,
                                   const Env& extra = {},
                                   const std::string& data_dir = "");
  // Role orchestrator, with the given id.
  std::unique_ptr<DimServer> Orchestrator(const std::string& id, int daemon,
                                          const Env& extra = {},
                                          const std::string& data_dir = "");
  // Role node, with the given id and the example models (no datasets).
  std::unique_ptr<DimServer> Node(const std::string& id, int daemon,
                                  const Env& extra = {});

 private:
  std::vector<std::unique_ptr<KuboDaemon>> daemons_;
  Env env_;
  std::string error_;
};

// Runs the starts side by side and returns their servers in order: a node
// takes seconds to load libtorch, and the daemons take their time too.
std::vector<std::unique_ptr<DimServer>> StartTogether(
    const std::vector<std::function<std::unique_ptr<DimServer>()>>& starts);

// The orchestrator's ListNodes; nullopt (and `error` set, when given) if
// the call fails.
std::optional<dim::v1::ListNodesResponse> ListNodes(
    const std::string& address, std::string* error = nullptr);

// The entry for `id`, or nullopt.
std::optional<dim::v1::NodeEntry> FindNode(
    const dim::v1::ListNodesResponse& list, const std::string& id);
std::optional<dim::v1::OrchestratorEntry> FindOrchestrator(
    const dim::v1::ListNodesResponse& list, const std::string& id);

// The state of node `id` as the orchestrator at `address` sees it now;
// "" when it does not know the node or cannot be asked.
std::string NodeStateAt(const std::string& address, const std::string& id);

// "ALIVE", "SUSPECT", "DEAD".
std::string StateName(dim::v1::NodeState state);

// One line per member, for failure messages.
std::string Describe(const dim::v1::ListNodesResponse& list);

// Calls `done` every `poll` until it returns true or `timeout` passes;
// returns whether it did.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout,
             std::chrono::milliseconds poll = std::chrono::milliseconds(50));

}  // namespace dim::testing
