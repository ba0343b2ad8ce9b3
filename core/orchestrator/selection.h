// Chooses the node that runs the next task: the least loaded of those that
// can run it, sharing work evenly among nodes that are equally loaded.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/mesh/registry.h"

namespace dim::orchestrator {

using mesh::NodeLoad;

// Thread-safe: one selector may be shared by every dispatcher of an
// orchestrator, and it must be, for the sharing among equals to hold.
class NodeSelector {
 public:
  // Returns the node of `eligible`, not in `exclude`, with the lowest
  // (running + queued) / max(capacity, 1). Among nodes tied on that, the
  // one this selector picked least recently wins (never picked first, then
  // the lowest id), so repeated picks over a set of equal nodes go round
  // them in turn. Returns nullopt when every node is excluded or there are
  // none.
  std::optional<std::string> Pick(const std::vector<NodeLoad>& eligible,
                                  const std::set<std::string>& exclude);

 private:
  std::mutex mu_;
  // Guarded by mu_: increases with every pick.
  uint64_t picks_ = 0;
  // Guarded by mu_: node id -> value of picks_ when last chosen.
  std::map<std::string, uint64_t> last_picked_;
};

}  // namespace dim::orchestrator
