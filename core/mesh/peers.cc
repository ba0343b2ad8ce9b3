#include "core/mesh/peers.h"

#include <algorithm>

#include "core/util/log.h"

namespace dim::mesh {

PeerTable::PeerTable(std::string self_id, LivenessPolicy policy)
    : self_id_(std::move(self_id)), policy_(policy) {}

Verdict PeerTable::Update(const dim::v1::OrchestratorHeartbeat& beat) {
  const auto& status = beat.status();
  if (status.orchestrator_id() == self_id_ ||
      status.orchestrator_id().empty()) {
    return Verdict::kStale;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  Peer& peer = peers_[status.orchestrator_id()];
  Verdict verdict = Judge(beat.header(), Clock::now(), WallClockMs(),
                          policy_, &peer.beats);
  if (verdict == Verdict::kFirst || verdict == Verdict::kRestarted) {
    DIM_LOG(Info, "peers") << "orchestrator " << status.orchestrator_id()
                           << " at " << status.address()
                           << (verdict == Verdict::kFirst ? " heard"
                                                          : " restarted");
  }
  if (verdict == Verdict::kConflict) {
    DIM_LOG(Warn, "peers") << "orchestrator id " << status.orchestrator_id()
                           << " is claimed by " << peer.status.address()
                           << " and " << status.address();
  }
  if (verdict == Verdict::kFirst || verdict == Verdict::kAccepted ||
      verdict == Verdict::kRestarted) {
    peer.status = status;
    peer.forwarded = 0;
  }
  return verdict;
}

void PeerTable::AddForwarded(const std::string& peer_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = peers_.find(peer_id);
  if (it != peers_.end()) ++it->second.forwarded;
}

std::vector<dim::v1::OrchestratorEntry> PeerTable::List() const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = Clock::now();
  std::vector<dim::v1::OrchestratorEntry> out;
  for (const auto& [id, peer] : peers_) {
    dim::v1::OrchestratorEntry entry;
    *entry.mutable_status() = peer.status;
    entry.set_state(StateAt(peer.beats, now, policy_));
    entry.set_last_seen_ms(peer.beats.heard_ms);
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<dim::v1::OrchestratorStatus> PeerTable::Alive() const {
  std::vector<dim::v1::OrchestratorStatus> out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = Clock::now();
    for (const auto& [id, peer] : peers_) {
      if (StateAt(peer.beats, now, policy_) != dim::v1::NODE_STATE_ALIVE) {
        continue;
      }
      out.push_back(peer.status);
      // Jobs handed over since its beat are its load already.
      out.back().set_queued(peer.status.queued() + peer.forwarded);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return LoadOf(a) < LoadOf(b);
  });
  return out;
}

int LoadOf(const dim::v1::OrchestratorStatus& status) {
  return status.queued() + status.running();
}

std::optional<dim::v1::OrchestratorStatus> ForwardTarget(
    const dim::v1::OrchestratorStatus& own, const PeerTable& peers,
    int margin) {
  auto alive = peers.Alive();
  if (alive.empty()) return std::nullopt;
  if (LoadOf(own) - LoadOf(alive.front()) <= margin) return std::nullopt;
  return alive.front();
}

}  // namespace dim::mesh
