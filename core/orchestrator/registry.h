// The orchestrator's view of the nodes it can dispatch to, kept from
// heartbeats (the gRPC Heartbeat RPC, or the in-process node of an
// all-in-one server). A node is ALIVE while it has been heard from within
// `expiry` and no dispatch has found it unreachable since; otherwise DEAD.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/orchestrator/selection.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

struct Eligible {
  std::vector<NodeLoad> loads;
  std::map<std::string, std::string> addresses;  // node id -> address
};

class NodeRegistry {
 public:
  explicit NodeRegistry(std::chrono::milliseconds expiry);

  // Records a heartbeat. A node that was unreachable is ALIVE again.
  void Update(const dim::v1::NodeStatus& status);
  // A dispatch could not reach the node: stop sending it tasks until it
  // is heard from again.
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

  // Blocks until the registry changes or `deadline` passes.
  void WaitForChange(std::chrono::steady_clock::time_point deadline) const;

 private:
  struct Node {
    dim::v1::NodeStatus status;
    std::chrono::steady_clock::time_point heard;
    int64_t heard_ms = 0;
    bool unreachable = false;
    int inflight = 0;
  };

  bool AliveLocked(const Node& node,
                   std::chrono::steady_clock::time_point now) const;
  dim::v1::NodeEntry EntryLocked(const Node& node,
                                 std::chrono::steady_clock::time_point now)
      const;

  const std::chrono::milliseconds expiry_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::string, Node> nodes_;  // guarded by mutex_
  uint64_t version_ = 0;               // guarded by mutex_
};

}  // namespace dim::orchestrator
