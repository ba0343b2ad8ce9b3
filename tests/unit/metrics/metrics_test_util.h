// Finding one series in a snapshot, for assertions.
#pragma once

#include <string>
#include <vector>

#include "core/metrics/snapshot.h"

namespace dim::metrics {

inline const FamilySnapshot* FindFamily(const Snapshot& snapshot,
                                        const std::string& name) {
  for (const auto& f : snapshot.families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The sample of family `name` whose labels are exactly `labels`.
inline const Sample* FindSample(const Snapshot& snapshot,
                                const std::string& name,
                                const std::vector<Label>& labels = {}) {
  const FamilySnapshot* f = FindFamily(snapshot, name);
  if (!f) return nullptr;
  for (const auto& s : f->samples) {
    if (s.labels == labels) return &s;
  }
  return nullptr;
}

// The pointers above point into the snapshot: a temporary one would leave
// them dangling.
const FamilySnapshot* FindFamily(Snapshot&&, const std::string&) = delete;
const Sample* FindSample(Snapshot&&, const std::string&,
                         const std::vector<Label>& = {}) = delete;

}  // namespace dim::metrics
