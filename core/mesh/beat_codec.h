// Heartbeats as they travel on IPFS pubsub: a 4-byte tag ("dim1") and the
// protobuf message. Decoding is for untrusted bytes from any peer of the
// topic: bounded in size, and every field the registry relies on is
// checked, so that a malformed or hostile beat is refused with a reason
// instead of reaching a table.
#pragma once

#include <string>
#include <string_view>

#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::mesh {

inline constexpr char kNodeTopic[] = "dim.nodes.heartbeat";
inline constexpr char kOrchestratorTopic[] = "dim.orchestrators.heartbeat";

// Largest encoded beat accepted; a node with many models and datasets
// stays far below it.
inline constexpr size_t kMaxBeatBytes = 256 * 1024;

std::string EncodeBeat(const google::protobuf::Message& beat);

// kInvalidArgument naming the field ("node heartbeat: status.address: ...").
Result<dim::v1::NodeHeartbeat> DecodeNodeBeat(std::string_view bytes);
Result<dim::v1::OrchestratorHeartbeat> DecodeOrchestratorBeat(
    std::string_view bytes);

// The checks DecodeNodeBeat applies, for beats that arrive by other
// means (the Heartbeat RPC).
Status CheckNodeBeat(const dim::v1::NodeHeartbeat& beat);

}  // namespace dim::mesh
