// Feeds member tables from the two heartbeat topics of the local IPFS
// daemon. Beats that are malformed, unsigned or signed by a key the CA did
// not certify (when a verifier is given), or replayed, are dropped and
// counted in dim.mesh.heartbeats.dropped{reason}; the first from each
// sending peer is logged with its reason.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/ipfs/client.h"
#include "core/mesh/beat_signing.h"
#include "core/mesh/peers.h"
#include "core/mesh/registry.h"
#include "core/util/log.h"

namespace dim::mesh {

class MeshListener {
 public:
  // Borrows everything; it must outlive the listener. A null table is
  // not listened for; a null verifier accepts unsigned node beats.
  // Subscribes at once; the IPFS client supervises the subscriptions, so
  // a daemon that is down is retried in the background.
  MeshListener(ipfs::Client* ipfs, NodeRegistry* nodes, PeerTable* peers,
               const BeatVerifier* verifier = nullptr);
  ~MeshListener();

  uint64_t rejected() const { return rejected_; }

 private:
  void OnNodeBeat(const ipfs::Message& message);
  void OnOrchestratorBeat(const ipfs::Message& message);
  // Counts the drop; logs it once per sender and claimed node id.
  void Reject(const ipfs::Message& message, const char* reason,
              const Status& why, const std::string& node_id = "");

  NodeRegistry* const nodes_;
  const BeatVerifier* const verifier_;
  PeerTable* const peers_;
  std::atomic<uint64_t> rejected_{0};
  // Sender and node id of the drops logged.
  log::OncePerKey reported_;
  std::unique_ptr<ipfs::Subscription> node_sub_;
  std::unique_ptr<ipfs::Subscription> orchestrator_sub_;
};

}  // namespace dim::mesh
