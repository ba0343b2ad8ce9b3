#include "core/mesh/listener.h"

#include "core/mesh/beat_codec.h"
#include "core/util/log.h"

namespace dim::mesh {

MeshListener::MeshListener(ipfs::Client* ipfs, NodeRegistry* nodes,
                           PeerTable* peers)
    : nodes_(nodes), peers_(peers) {
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
  if (!beat.ok()) return Reject(message, beat.status());
  nodes_->Update(*beat, Source::kPubsub);
}

void MeshListener::OnOrchestratorBeat(const ipfs::Message& message) {
  auto beat = DecodeOrchestratorBeat(message.data);
  if (!beat.ok()) return Reject(message, beat.status());
  peers_->Update(*beat);
}

void MeshListener::Reject(const ipfs::Message& message, const Status& why) {
  ++rejected_;
  std::lock_guard<std::mutex> lock(mutex_);
  // Bounded: a flood of senders cannot grow the set without end.
  if (reported_.size() >= 1024 || !reported_.insert(message.from).second) {
    return;
  }
  DIM_LOG(Warn, "mesh") << "dropped a beat from IPFS peer " << message.from
                        << ": " << why.message()
                        << " (further drops from it are only counted)";
}

}  // namespace dim::mesh
