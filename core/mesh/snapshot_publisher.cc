#include "core/mesh/snapshot_publisher.h"

#include <google/protobuf/util/json_util.h>

#include "core/util/log.h"

namespace dim::mesh {
namespace {

// A registry of thousands of nodes stays well below this.
constexpr int64_t kMaxSnapshotBytes = 16 << 20;
// How soon a failed restore is tried again (the daemon may be starting).
constexpr std::chrono::seconds kRestoreRetry{1};

}  // namespace

std::string EncodeSnapshot(const dim::v1::RegistrySnapshot& snapshot) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(snapshot, &text, options);
  return text;
}

Result<dim::v1::RegistrySnapshot> DecodeSnapshot(const std::string& text) {
  dim::v1::RegistrySnapshot snapshot;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto parsed =
      google::protobuf::util::JsonStringToMessage(text, &snapshot, options);
  if (!parsed.ok()) {
    return InvalidArgument("not a registry snapshot: " +
                           std::string(parsed.message()));
  }
  return snapshot;
}

SnapshotPublisher::SnapshotPublisher(ipfs::Client* ipfs,
                                     NodeRegistry* registry,
                                     SnapshotOptions options)
    : ipfs_(ipfs), registry_(registry), options_(std::move(options)),
      thread_([this] { Loop(); }) {}

SnapshotPublisher::~SnapshotPublisher() { Stop(); }

void SnapshotPublisher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SnapshotPublisher::Loop() {
  bool restored = false;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    std::chrono::milliseconds pause = options_.interval;
    if (!restored) {
      Status st = Restore();
      restored = st.ok() || st.code() == Code::kNotFound;
      if (!restored) pause = kRestoreRetry;
    } else {
      Status st = Publish();
      if (!st.ok()) {
        DIM_LOG(Debug, "snapshot") << "not published: " << st.message();
      }
    }
    lock.lock();
    wake_.wait_for(lock, pause, [this] { return stopping_; });
  }
}

Result<std::string> SnapshotPublisher::KeyName() {
  if (!name_.empty()) return name_;
  auto keys = ipfs_->ListKeys();
  if (!keys.ok()) return keys.status();
  for (const auto& key : *keys) {
    if (key.name == options_.key) return name_ = key.id;
  }
  auto made = ipfs_->GenerateKey(options_.key);
  if (!made.ok()) return made.status();
  DIM_LOG(Info, "snapshot") << "created IPFS key " << options_.key << " ("
                            << made->id << ") for registry snapshots";
  return name_ = made->id;
}

Status SnapshotPublisher::Restore() {
  auto name = KeyName();
  if (!name.ok()) return name.status();
  auto cid = ipfs_->ResolveName(*name);
  if (!cid.ok()) {
    if (cid.status().code() == Code::kNotFound) {
      DIM_LOG(Info, "snapshot") << "no registry snapshot under /ipns/"
                                << *name << " yet";
    }
    return cid.status();
  }
  auto text = ipfs_->Cat(*cid, kMaxSnapshotBytes);
  if (!text.ok()) return text.status();
  auto snapshot = DecodeSnapshot(*text);
  if (!snapshot.ok()) {
    DIM_LOG(Warn, "snapshot") << "ignoring /ipfs/" << *cid << ": "
                              << snapshot.status().message();
    return Status::Ok();
  }
  int added = registry_->Seed(*snapshot);
  DIM_LOG(Info, "snapshot")
      << "loaded registry snapshot /ipfs/" << *cid << " taken by "
      << snapshot->orchestrator_id() << ": " << added
      << " node(s) SUSPECT until heard";
  return Status::Ok();
}

Status SnapshotPublisher::Publish() {
  auto snapshot = registry_->Snapshot(options_.orchestrator_id);
  if (snapshot.nodes_size() == 0) return Status::Ok();
  auto name = KeyName();
  if (!name.ok()) return name.status();
  auto cid = ipfs_->Add(EncodeSnapshot(snapshot));
  if (!cid.ok()) return cid.status();
  // Nobody should believe a snapshot for longer than it takes to publish
  // the next one.
  auto published = ipfs_->PublishName(options_.key, *cid, options_.interval);
  if (!published.ok()) return published.status();
  // The first publication is worth an operator's notice; the rest are
  // routine.
  std::string what = "published registry snapshot /ipfs/" + *cid + " (" +
                     std::to_string(snapshot.nodes_size()) +
                     " nodes) as /ipns/" + *name;
  if (published_) {
    DIM_LOG(Debug, "snapshot") << what;
  } else {
    DIM_LOG(Info, "snapshot") << what;
  }
  published_ = true;
  return Status::Ok();
}

}  // namespace dim::mesh
