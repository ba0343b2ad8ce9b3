// Keeps the registry's snapshot in IPFS under an IPNS name, so that an
// orchestrator that restarts knows which nodes to expect before their
// heartbeats arrive. On start it loads the snapshot the key points to
// (its nodes are seeded as SUSPECT), then every interval adds the current
// registry to IPFS and publishes it under the key, creating the key when
// it is missing. Everything happens on its own thread: no request waits
// on IPFS, and a daemon that is down only delays the next snapshot.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/ipfs/client.h"
#include "core/mesh/registry.h"

namespace dim::mesh {

struct SnapshotOptions {
  std::string orchestrator_id;
  std::string key = "dim-registry";
  std::chrono::milliseconds interval{30000};
};

// The snapshot as stored: protobuf JSON, readable with `ipfs cat`.
std::string EncodeSnapshot(const dim::v1::RegistrySnapshot& snapshot);
Result<dim::v1::RegistrySnapshot> DecodeSnapshot(const std::string& text);

class SnapshotPublisher {
 public:
  // Borrows both; they must outlive the publisher.
  SnapshotPublisher(ipfs::Client* ipfs, NodeRegistry* registry,
                    SnapshotOptions options);
  ~SnapshotPublisher();

  void Stop();

 private:
  void Loop();
  // The key's IPNS name, generating the key when it does not exist.
  Result<std::string> KeyName();
  Status Restore();
  Status Publish();

  ipfs::Client* const ipfs_;
  NodeRegistry* const registry_;
  const SnapshotOptions options_;
  std::string name_;         // used by the thread only
  bool published_ = false;  // used by the thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace dim::mesh
