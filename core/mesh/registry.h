// An orchestrator's view of the nodes: what each last said of itself and
// whether it is ALIVE, SUSPECT or DEAD (see liveness.h). Fed by
// heartbeats from any source (the node in the same process, the gRPC
// Heartbeat of a joined node, IPFS pubsub) and seeded from a registry
// snapshot, whose nodes stay SUSPECT until heard. Only ALIVE nodes are
// eligible for tasks. Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/mesh/liveness.h"
#include "dim/v1/dim.pb.h"

namespace dim::mesh {

enum class Source { kLocal, kJoin, kPubsub, kSnapshot };
const char* SourceName(Source source);

// A node's load as last reported, plus this orchestrator's own calls on
// it since.
struct NodeLoad {
  std::string node_id;
  int capacity = 1;
  int running = 0;
  int queued = 0;
};

struct Eligible {
  std::vector<NodeLoad> loads;
  std::map<std::string, std::string> addresses;  // node id -> address
};

// A node whose state differs from the one last reported by Sweep.
struct StateChange {
  std::string node_id;
  std::string address;
  dim::v1::NodeState from;
  dim::v1::NodeState to;
  std::chrono::milliseconds silence;
};

class NodeRegistry {
 public:
  explicit NodeRegistry(LivenessPolicy policy);

  // Records a heartbeat, unless it is stale or another process's (see
  // Judge). A node that was unreachable is ALIVE again.
  Verdict Update(const dim::v1::NodeHeartbeat& beat, Source source);
  // Adds the snapshot's nodes that are not known yet, as never heard.
  // Returns how many were added.
  int Seed(const dim::v1::RegistrySnapshot& snapshot);
  // Every node, with its state now, for publishing.
  dim::v1::RegistrySnapshot Snapshot(const std::string& orchestrator_id)
      const;

  // A dispatch could not reach the node: it is DEAD to this orchestrator
  // until heard from again.
  void MarkUnreachable(const std::string& node_id);
  // Tasks this orchestrator has outstanding on the node; counted in its
  // load between heartbeats.
  void AddInflight(const std::string& node_id, int delta);

  std::vector<dim::v1::NodeEntry> List() const;
  std::optional<dim::v1::NodeEntry> Find(const std::string& node_id) const;

  // ALIVE nodes that serve `model`, hold `dataset` (when not empty) and
  // are among `only` (when not empty).
  Eligible FindEligible(const std::string& model, const std::string& dataset,
                        const std::vector<std::string>& only) const;
  // Why FindEligible came back empty, in words for the job's reason.
  std::string WhyNoneEligible(const std::string& model,
                              const std::string& dataset,
                              const std::vector<std::string>& only) const;

  // What any node ever registered says about a model, alive or not.
  std::optional<dim::v1::ModelInfo> FindModel(const std::string& model) const;
  std::vector<std::string> KnownModels() const;
  std::optional<dim::v1::DatasetInfo> FindDataset(
      const std::string& dataset) const;

  // The nodes whose state changed since the last call (time passing
  // changes states too, so call it periodically).
  std::vector<StateChange> Sweep();

  // Blocks until the registry changes or `deadline` passes.
  void WaitForChange(std::chrono::steady_clock::time_point deadline) const;

 private:
  struct Node {
    dim::v1::NodeStatus status;
    BeatRecord beats;
    Source source = Source::kSnapshot;
    bool unreachable = false;
    int inflight = 0;
    std::string conflict;  // what the rival process said, while it does
    Clock::time_point conflict_at;
    dim::v1::NodeState reported = dim::v1::NODE_STATE_UNSPECIFIED;
  };

  dim::v1::NodeState StateLocked(const Node& node, Clock::time_point now)
      const;
  dim::v1::NodeEntry EntryLocked(const Node& node, Clock::time_point now)
      const;
  void NoteConflictLocked(Node* node, const dim::v1::NodeHeartbeat& beat);
  void ChangedLocked();

  const LivenessPolicy policy_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::string, Node> nodes_;  // guarded by mutex_
  uint64_t version_ = 0;               // guarded by mutex_
};

}  // namespace dim::mesh
