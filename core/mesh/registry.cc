#include "core/mesh/registry.h"

#include <algorithm>
#include <set>

#include "core/util/log.h"

namespace dim::mesh {
namespace {

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

std::chrono::milliseconds Since(Clock::time_point then,
                                Clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - then);
}

}  // namespace

const char* SourceName(Source source) {
  switch (source) {
    case Source::kLocal: return "local";
    case Source::kJoin: return "join";
    case Source::kPubsub: return "pubsub";
    case Source::kSnapshot: return "snapshot";
  }
  return "";
}

NodeRegistry::NodeRegistry(LivenessPolicy policy) : policy_(policy) {}

void NodeRegistry::ChangedLocked() {
  ++version_;
  changed_.notify_all();
}

Verdict NodeRegistry::Update(const dim::v1::NodeHeartbeat& beat,
                             Source source) {
  const dim::v1::NodeStatus& status = beat.status();
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = Clock::now();
  Node& node = nodes_[status.node_id()];
  Verdict verdict =
      Judge(beat.header(), now, WallClockMs(), policy_, &node.beats);
  if (verdict == Verdict::kStale || verdict == Verdict::kPending) {
    return verdict;
  }
  if (verdict == Verdict::kConflict) {
    NoteConflictLocked(&node, beat);
    return verdict;
  }

  if (verdict == Verdict::kFirst || verdict == Verdict::kRestarted) {
    DIM_LOG(Info, "registry")
        << "node " << status.node_id() << " at " << status.address()
        << (verdict == Verdict::kFirst ? " joined" : " restarted") << " ("
        << SourceName(source) << ")";
  }
  node.status = status;
  node.source = source;
  node.unreachable = false;
  if (!node.conflict.empty() &&
      now - node.conflict_at > node.beats.interval * policy_.dead_after) {
    node.conflict.clear();
  }
  ChangedLocked();
  return verdict;
}

void NodeRegistry::NoteConflictLocked(Node* node,
                                      const dim::v1::NodeHeartbeat& beat) {
  std::string said = "instance " + beat.header().instance() + " at " +
                     beat.status().address();
  if (node->conflict != said) {
    DIM_LOG(Warn, "registry")
        << "node id " << beat.status().node_id()
        << " is claimed by two processes: " << node->status.address()
        << " (kept) and " << beat.status().address()
        << " (ignored); give one of them another node.id";
    node->conflict = said;
    ChangedLocked();
  }
  node->conflict_at = Clock::now();
}

int NodeRegistry::Seed(const dim::v1::RegistrySnapshot& snapshot) {
  std::lock_guard<std::mutex> lock(mutex_);
  int added = 0;
  auto now = Clock::now();
  for (const auto& entry : snapshot.nodes()) {
    const std::string& id = entry.status().node_id();
    if (id.empty() || nodes_.count(id)) continue;
    Node& node = nodes_[id];
    node.status = entry.status();
    node.beats.heard_at = now;
    if (entry.interval_ms() > 0) {
      node.beats.interval = std::chrono::milliseconds(entry.interval_ms());
    } else {
      node.beats.interval = policy_.default_interval;
    }
    ++added;
  }
  if (added > 0) ChangedLocked();
  return added;
}

dim::v1::RegistrySnapshot NodeRegistry::Snapshot(
    const std::string& orchestrator_id) const {
  dim::v1::RegistrySnapshot snapshot;
  snapshot.set_orchestrator_id(orchestrator_id);
  snapshot.set_taken_ms(WallClockMs());
  for (auto& entry : List()) *snapshot.add_nodes() = std::move(entry);
  return snapshot;
}

void NodeRegistry::MarkUnreachable(const std::string& node_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return;
  it->second.unreachable = true;
  ChangedLocked();
}

void NodeRegistry::AddInflight(const std::string& node_id, int delta) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return;
  it->second.inflight = std::max(0, it->second.inflight + delta);
  if (delta < 0) ChangedLocked();
}

dim::v1::NodeState NodeRegistry::StateLocked(const Node& node,
                                             Clock::time_point now) const {
  if (node.unreachable) return dim::v1::NODE_STATE_DEAD;
  return StateAt(node.beats, now, policy_);
}

dim::v1::NodeEntry NodeRegistry::EntryLocked(const Node& node,
                                             Clock::time_point now) const {
  dim::v1::NodeEntry entry;
  *entry.mutable_status() = node.status;
  entry.set_state(StateLocked(node, now));
  entry.set_last_seen_ms(node.beats.heard_ms);
  entry.set_source(SourceName(node.source));
  entry.set_conflict(node.conflict);
  entry.set_interval_ms(node.beats.interval.count());
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
    if (StateLocked(node, now) != dim::v1::NODE_STATE_ALIVE ||
        !Serves(s, model) || !Allowed(id, only) ||
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
  std::vector<std::string> down;
  bool any_dataset = dataset.empty();
  bool any_model = false;
  for (const auto& [id, node] : nodes_) {
    if (!Allowed(id, only)) continue;
    bool has_dataset = dataset.empty() || Holds(node.status, dataset);
    any_dataset = any_dataset || has_dataset;
    if (!has_dataset || !Serves(node.status, model)) continue;
    any_model = true;
    auto state = StateLocked(node, now);
    if (state != dim::v1::NODE_STATE_ALIVE) {
      down.push_back(id + " " + StateName(state));
    }
  }
  std::string among = only.empty() ? "" : " among " + JoinIds(only);
  if (!any_dataset) return "no node" + among + " holds dataset " + dataset;
  if (!any_model) {
    return "no node" + among + " serves model " + model +
           (dataset.empty() ? "" : " next to dataset " + dataset);
  }
  return "no node that can run " + model + " is ALIVE (" + JoinIds(down) +
         ")";
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

std::vector<StateChange> NodeRegistry::Sweep() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = Clock::now();
  std::vector<StateChange> changes;
  for (auto& [id, node] : nodes_) {
    auto state = StateLocked(node, now);
    if (state == node.reported) continue;
    changes.push_back(StateChange{id, node.status.address(), node.reported,
                                  state, Since(node.beats.heard_at, now)});
    node.reported = state;
  }
  if (!changes.empty()) ChangedLocked();
  return changes;
}

void NodeRegistry::WaitForChange(Clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mutex_);
  uint64_t seen = version_;
  changed_.wait_until(lock, deadline, [&] { return version_ != seen; });
}

}  // namespace dim::mesh
