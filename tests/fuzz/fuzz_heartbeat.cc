// Fuzzes the decoding of heartbeats as they arrive from any peer of a
// pubsub topic: the bytes as a node and as an orchestrator beat
// (core/mesh/beat_codec.h), and as a line of `ipfs pubsub sub --enc=json`
// (core/ipfs/pubsub_line.h) whose decoded data then goes through both beat
// decoders, as the mesh listener does. Also checks the promises the
// decoders make: multibase text is strict, so one byte string has one
// accepted text, and an accepted beat, encoded again, is accepted again.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/ipfs/json_line.h"
#include "core/ipfs/multibase.h"
#include "core/ipfs/pubsub_line.h"
#include "core/mesh/beat_codec.h"
#include "fuzz_check.h"

namespace {

using dim::fuzz::Broken;
using dim::fuzz::MustBeOk;

template <typename Beat>
void CheckDecoded(const dim::Result<Beat>& beat,
                  dim::Result<Beat> (*decode)(std::string_view)) {
  if (!beat.ok()) {
    if (beat.status().code() != dim::Code::kInvalidArgument) {
      Broken("beat refused with another code than kInvalidArgument: " +
             beat.status().message());
    }
    return;
  }
  // Re-encoding may lengthen varints that were written short.
  std::string again = dim::mesh::EncodeBeat(*beat);
  if (again.size() > dim::mesh::kMaxBeatBytes) return;
  MustBeOk(decode(again).status(), "re-encoded beat is refused");
}

void DecodeBeats(std::string_view bytes) {
  CheckDecoded(dim::mesh::DecodeNodeBeat(bytes), &dim::mesh::DecodeNodeBeat);
  CheckDecoded(dim::mesh::DecodeOrchestratorBeat(bytes),
               &dim::mesh::DecodeOrchestratorBeat);
}

void CheckMultibase(std::string_view text) {
  dim::Result<std::string> bytes = dim::ipfs::DecodeMultibase(text);
  if (!bytes.ok()) return;
  if (dim::ipfs::EncodeMultibase(*bytes) != text) {
    Broken("two multibase texts decode to the same bytes");
  }
}

void DecodeLine(std::string_view line) {
  dim::Result<dim::ipfs::Message> message = dim::ipfs::ParsePubsubLine(line);
  if (!message.ok()) return;
  // The line parsed, so its members are accepted multibase texts.
  dim::Result<dim::ipfs::FlatJson> json = dim::ipfs::ParseFlatJson(line);
  MustBeOk(json.status(), "pubsub line parsed but its JSON did not");
  CheckMultibase(json->strings.at("data"));
  DecodeBeats(message->data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  DecodeBeats(bytes);
  DecodeLine(bytes);
  CheckMultibase(bytes);
  return 0;
}
