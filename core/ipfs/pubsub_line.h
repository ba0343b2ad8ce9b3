// One line of `ipfs pubsub sub TOPIC --enc=json` output, e.g.
//   {"from":"12D3Koo...","data":"uYQBi","seqno":"uGO3UK0jFq1g",
//    "topicIDs":["udDE"]}
// decoded into a Message. "from" and "data" are required; "seqno" and
// members this version does not know are optional, as long as they are
// strings or arrays of strings. Not part of the public API of core/ipfs.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/ipfs/client.h"
#include "core/util/status.h"

namespace dim::ipfs {

// Pubsub messages are at most 1 MiB in Kubo; as base64 text inside a line
// they are 4/3 of that, plus the other members. Longer lines are skipped.
constexpr size_t kMaxPubsubLineBytes = 2 << 20;

// InvalidArgument naming the member at fault; never quotes the line.
Result<Message> ParsePubsubLine(std::string_view line);

}  // namespace dim::ipfs
