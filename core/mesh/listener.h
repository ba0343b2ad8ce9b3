// Feeds member tables from the two heartbeat topics of the local IPFS
// daemon. Malformed beats are dropped and counted; the first from each
// sending peer is logged with its reason.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/ipfs/client.h"
#include "core/mesh/peers.h"
#include "core/mesh/registry.h"

namespace dim::mesh {

class MeshListener {
 public:
  // Borrows all three; they must outlive the listener. A null table is
  // not listened for. Subscribes at once; the IPFS client supervises the
  // subscriptions, so a daemon that is down is retried in the background.
  MeshListener(ipfs::Client* ipfs, NodeRegistry* nodes, PeerTable* peers);
  ~MeshListener();

  uint64_t rejected() const { return rejected_; }

 private:
  void OnNodeBeat(const ipfs::Message& message);
  void OnOrchestratorBeat(const ipfs::Message& message);
  void Reject(const ipfs::Message& message, const Status& why);

  NodeRegistry* const nodes_;
  PeerTable* const peers_;
  std::atomic<uint64_t> rejected_{0};
  std::mutex mutex_;
  std::set<std::string> reported_;  // guarded by mutex_: peers logged
  std::unique_ptr<ipfs::Subscription> node_sub_;
  std::unique_ptr<ipfs::Subscription> orchestrator_sub_;
};

}  // namespace dim::mesh
