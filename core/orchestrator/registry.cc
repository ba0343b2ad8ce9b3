#include "core/orchestrator/registry.h"

#include <algorithm>
#include <set>

namespace dim::orchestrator {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Serves(const dim::v1::NodeStatus& s, const std::string& model) {
  for (const auto& m : s.models()) {
    if (m.id() == model) return true;
  }
  return false;
}

bool Holds(const dim::v1::NodeStatus& s, const std::string& dataset) {
  for (const auto& d : s.datasets()) {
    if (d.name() == dataset) return true;
  }
  return false;
}

bool Allowed(const std::string& id, const std::vector<std::string>& only) {
  return only.empty() || std::find(only.begin(), only.end(), id) != only.end();
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

}  // namespace

NodeRegistry::NodeRegistry(std::chrono::milliseconds expiry)
    : expiry_(expiry) {}

void NodeRegistry::Update(const dim::v1::NodeStatus& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  Node& node = nodes_[status.node_id()];
  node.status = status;
  node.heard = Clock::now();
  node.heard_ms = NowMs();
  node.unreachable = false;
  ++version_;
  changed_.notify_all();
}

void NodeRegistry::MarkUnreachable(const std::string& node_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return;
  it->second.unreachable = true;
  ++version_;
  changed_.notify_all();
}

void NodeRegistry::AddInflight(const std::string& node_id, int delta) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return;
  it->second.inflight = std::max(0, it->second.inflight + delta);
  if (delta < 0) {
    ++version_;
    changed_.notify_all();
  }
}

bool NodeRegistry::AliveLocked(const Node& node, Clock::time_point now) const {
  return !node.unreachable && now - node.heard <= expiry_;
}

dim::v1::NodeEntry NodeRegistry::EntryLocked(const Node& node,
                                             Clock::time_point now) const {
  dim::v1::NodeEntry entry;
  *entry.mutable_status() = node.status;
  entry.set_state(AliveLocked(node, now) ? dim::v1::NODE_STATE_ALIVE
                                         : dim::v1::NODE_STATE_DEAD);
  entry.set_last_seen_ms(node.heard_ms);
  return entry;
}

std::vector<dim::v1::NodeEntry> NodeRegistry::List() const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = Clock::now();
  std::vector<dim::v1::NodeEntry> out;
  for (const auto& [id, node] : nodes_) out.push_back(EntryLocked(node, now));
  return out;
}

std::optional<dim::v1::NodeEntry> NodeRegistry::Find(
    const std::string& node_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return std::nullopt;
  return EntryLocked(it->second, Clock::now());
}

Eligible NodeRegistry::FindEligible(
    const std::string& model, const std::string& dataset,
    const std::vector<std::string>& only) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = Clock::now();
  Eligible out;
  for (const auto& [id, node] : nodes_) {
    const auto& s = node.status;
    if (!AliveLocked(node, now) || !Serves(s, model) || !Allowed(id, only) ||
        (!dataset.empty() && !Holds(s, dataset))) {
      continue;
    }
    int busy = std::max(node.inflight, s.running() + s.queued());
    out.loads.push_back(NodeLoad{id, s.capacity(), busy, 0});
    out.addresses[id] = s.address();
  }
  return out;
}

std::string NodeRegistry::WhyNoneEligible(
    const std::string& model, const std::string& dataset,
    const std::vector<std::string>& only) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = Clock::now();
  std::vector<std::string> dead;
  bool any_dataset = dataset.empty();
  bool any_model = false;
  for (const auto& [id, node] : nodes_) {
    if (!Allowed(id, only)) continue;
    bool has_dataset = dataset.empty() || Holds(node.status, dataset);
    any_dataset = any_dataset || has_dataset;
    if (!has_dataset || !Serves(node.status, model)) continue;
    any_model = true;
    if (!AliveLocked(node, now)) dead.push_back(id);
  }
  std::string among = only.empty() ? "" : " among " + JoinIds(only);
  if (!any_dataset) return "no node" + among + " holds dataset " + dataset;
  if (!any_model) {
    return "no node" + among + " serves model " + model +
           (dataset.empty() ? "" : " next to dataset " + dataset);
  }
  return "every node that can run " + model + " is unreachable (" +
         JoinIds(dead) + ")";
}

std::optional<dim::v1::ModelInfo> NodeRegistry::FindModel(
    const std::string& model) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [id, node] : nodes_) {
    for (const auto& m : node.status.models()) {
      if (m.id() == model) return m;
    }
  }
  return std::nullopt;
}

std::vector<std::string> NodeRegistry::KnownModels() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::set<std::string> ids;
  for (const auto& [id, node] : nodes_) {
    for (const auto& m : node.status.models()) ids.insert(m.id());
  }
  return {ids.begin(), ids.end()};
}

std::optional<dim::v1::DatasetInfo> NodeRegistry::FindDataset(
    const std::string& dataset) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [id, node] : nodes_) {
    for (const auto& d : node.status.datasets()) {
      if (d.name() == dataset) return d;
    }
  }
  return std::nullopt;
}

void NodeRegistry::WaitForChange(Clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mutex_);
  uint64_t seen = version_;
  changed_.wait_until(lock, deadline, [&] { return version_ != seen; });
}

}  // namespace dim::orchestrator
