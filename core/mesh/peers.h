// The other orchestrators this one hears on dim.orchestrators.heartbeat,
// with their load, judged alive by the same rules as nodes (liveness.h).
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/mesh/liveness.h"
#include "dim/v1/dim.pb.h"

namespace dim::mesh {

class PeerTable {
 public:
  // Beats that carry `self_id` are this orchestrator's own and ignored.
  PeerTable(std::string self_id, LivenessPolicy policy);

  Verdict Update(const dim::v1::OrchestratorHeartbeat& beat);
  // A job was handed to the peer: count it in the peer's load until its
  // next heartbeat says so itself.
  void AddForwarded(const std::string& peer_id);

  // Every peer heard, with its state now.
  std::vector<dim::v1::OrchestratorEntry> List() const;
  // ALIVE peers, least loaded first (queued + running, then id).
  std::vector<dim::v1::OrchestratorStatus> Alive() const;

 private:
  struct Peer {
    dim::v1::OrchestratorStatus status;
    BeatRecord beats;
    int forwarded = 0;  // jobs handed over since its last beat
  };

  const std::string self_id_;
  const LivenessPolicy policy_;
  mutable std::mutex mutex_;
  std::map<std::string, Peer> peers_;  // guarded by mutex_
};

// The jobs an orchestrator holds, for comparing loads.
int LoadOf(const dim::v1::OrchestratorStatus& status);

// The peer a new job should go to instead of staying here: the least
// loaded ALIVE peer, when `own` load exceeds its load by more than
// `margin` jobs.
std::optional<dim::v1::OrchestratorStatus> ForwardTarget(
    const dim::v1::OrchestratorStatus& own, const PeerTable& peers,
    int margin);

}  // namespace dim::mesh
