#include "core/mesh/listener.h"

#include "core/mesh/beat_codec.h"
#include "core/mesh/beat_signing.h"
#include "core/util/log.h"

namespace dim::mesh {

MeshListener::MeshListener(ipfs::Client* ipfs, NodeRegistry* nodes,
                           PeerTable* peers, const BeatVerifier* verifier)
    : nodes_(nodes), verifier_(verifier), peers_(peers) {
  if (nodes_) {
    node_sub_ = ipfs->Subscribe(
        kNodeTopic, [this](const ipfs::Message& m) { OnNodeBeat(m); });
  }
  if (peers_) {
    orchestrator_sub_ = ipfs->Subscribe(
        kOrchestratorTopic,
        [this](const ipfs::Message& m) { OnOrchestratorBeat(m); });
  }
}

// The subscriptions go first: their threads call into this object.
MeshListener::~MeshListener() {
  node_sub_.reset();
  orchestrator_sub_.reset();
}

void MeshListener::OnNodeBeat(const ipfs::Message& message) {
  auto beat = DecodeNodeBeat(message.data);
  if (!beat.ok()) return Reject(message, "malformed", beat.status());
  if (verifier_) {
    BeatFault fault = BeatFault::kNone;
    Status trusted = verifier_->Verify(*beat, WallClockMs(), &fault);
    if (!trusted.ok()) {
      return Reject(message, FaultName(fault), trusted,
                    beat->status().node_id());
    }
  }
  if (nodes_->Update(*beat, Source::kPubsub) == Verdict::kStale) {
    CountDroppedBeat("replayed");
  }
}

void MeshListener::OnOrchestratorBeat(const ipfs::Message& message) {
  auto beat = DecodeOrchestratorBeat(message.data);
  if (!beat.ok()) return Reject(message, "malformed", beat.status());
  peers_->Update(*beat);
}

void MeshListener::Reject(const ipfs::Message& message, const char* reason,
                          const Status& why, const std::string& node_id) {
  ++rejected_;
  CountDroppedBeat(reason);
  // One line per sender and node it claims: one IPFS daemon may carry
  // several nodes, and one node may move between daemons.
  if (!reported_.First(message.from + " " + node_id)) return;
  DIM_LOG(Warn, "mesh") << "dropped a beat from IPFS peer " << message.from
                        << ": " << why.message()
                        << " (further drops like it are only counted)";
}

}  // namespace dim::mesh
