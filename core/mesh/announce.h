// One-shot announcements and listening, for processes that are not
// servers: `dimctl register` publishes a node record for a node that
// another tool runs, and `dimctl discover` listens to the heartbeat topics
// for a while and reports what it heard. Both go through the local IPFS
// daemon only; no orchestrator is needed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/ipfs/client.h"
#include "core/mesh/liveness.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::mesh {

// `status` needs node_id and address; `interval` is how often the caller
// will announce again (orchestrators judge the node's silence by it).
// Announcements of one id and address form one instance, so that a
// script announcing periodically is not mistaken for a second process.
// Fails with kInvalidArgument naming the field, or with the IPFS error.
Status Announce(ipfs::Client* ipfs, const dim::v1::NodeStatus& status,
                std::chrono::milliseconds interval);

struct Heard {
  std::vector<dim::v1::NodeEntry> nodes;
  std::vector<dim::v1::OrchestratorEntry> orchestrators;
  uint64_t rejected = 0;  // beats that could not be decoded
};

// Listens to both heartbeat topics for `duration` and returns every
// member heard, with its state at the end. Checks the daemon first, so a
// daemon that is down fails at once (kUnavailable) instead of hearing
// nothing.
Result<Heard> Discover(ipfs::Client* ipfs, std::chrono::milliseconds duration,
                       const LivenessPolicy& policy);

}  // namespace dim::mesh
