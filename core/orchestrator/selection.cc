#include "core/orchestrator/selection.h"

#include <algorithm>

namespace dim::orchestrator {
namespace {

int64_t Work(const NodeLoad& n) {
  return static_cast<int64_t>(n.running) + n.queued;
}

int64_t Capacity(const NodeLoad& n) { return std::max(n.capacity, 1); }

// Compares work/capacity as exact fractions, so that 1/2 and 2/4 tie.
int CompareLoad(const NodeLoad& a, const NodeLoad& b) {
  const int64_t left = Work(a) * Capacity(b);
  const int64_t right = Work(b) * Capacity(a);
  return left < right ? -1 : (left > right ? 1 : 0);
}

}  // namespace

std::optional<std::string> NodeSelector::Pick(
    const std::vector<NodeLoad>& eligible,
    const std::set<std::string>& exclude) {
  std::vector<const NodeLoad*> least;
  for (const NodeLoad& node : eligible) {
    if (exclude.count(node.node_id) > 0) continue;
    const int order = least.empty() ? -1 : CompareLoad(node, *least.front());
    if (order < 0) least.clear();
    if (order <= 0) least.push_back(&node);
  }
  if (least.empty()) return std::nullopt;

  std::lock_guard<std::mutex> lock(mu_);
  auto last = [this](const NodeLoad* n) {
    auto it = last_picked_.find(n->node_id);
    return it == last_picked_.end() ? 0 : it->second;
  };
  const NodeLoad* chosen = *std::min_element(
      least.begin(), least.end(), [&](const NodeLoad* a, const NodeLoad* b) {
        const uint64_t la = last(a);
        const uint64_t lb = last(b);
        return la != lb ? la < lb : a->node_id < b->node_id;
      });
  last_picked_[chosen->node_id] = ++picks_;
  return chosen->node_id;
}

}  // namespace dim::orchestrator
