#include "core/mesh/announce.h"

#include <cstdio>
#include <thread>

#include "core/mesh/beat_codec.h"
#include "core/mesh/listener.h"
#include "core/mesh/peers.h"
#include "core/mesh/registry.h"

namespace dim::mesh {
namespace {

// FNV-1a: stable across runs, which is all the instance needs.
std::string StableInstance(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) {
    hash = (hash ^ c) * 1099511628211ull;
  }
  char out[32];
  std::snprintf(out, sizeof out, "announce-%016llx",
                static_cast<unsigned long long>(hash));
  return out;
}

}  // namespace

Status Announce(ipfs::Client* ipfs, const dim::v1::NodeStatus& status,
                std::chrono::milliseconds interval) {
  dim::v1::NodeHeartbeat beat;
  auto* header = beat.mutable_header();
  header->set_instance(StableInstance(status.node_id() + "@" +
                                      status.address()));
  // Wall-clock milliseconds keep successive announcements in order.
  header->set_seq(static_cast<uint64_t>(WallClockMs()));
  header->set_sent_ms(WallClockMs());
  header->set_interval_ms(interval.count());
  *beat.mutable_status() = status;
  DIM_RETURN_IF_ERROR(CheckNodeBeat(beat));
  return ipfs->Publish(kNodeTopic, EncodeBeat(beat));
}

Result<Heard> Discover(ipfs::Client* ipfs, std::chrono::milliseconds duration,
                       const LivenessPolicy& policy) {
  auto id = ipfs->Id();
  if (!id.ok()) return id.status();

  NodeRegistry nodes(policy);
  PeerTable peers("", policy);
  uint64_t rejected = 0;
  {
    MeshListener listener(ipfs, &nodes, &peers);
    std::this_thread::sleep_for(duration);
    rejected = listener.rejected();
  }
  return Heard{nodes.List(), peers.List(), rejected};
}

}  // namespace dim::mesh
