#include "core/ipfs/pubsub_line.h"

#include "core/ipfs/json_line.h"
#include "core/ipfs/multibase.h"

namespace dim::ipfs {
namespace {

Result<std::string> Member(const FlatJson& json, const char* name) {
  auto it = json.strings.find(name);
  if (it == json.strings.end()) {
    return InvalidArgument(std::string("pubsub message has no string \"") +
                           name + "\"");
  }
  return it->second;
}

Result<std::string> DecodedMember(const FlatJson& json, const char* name) {
  Result<std::string> text = Member(json, name);
  if (!text.ok()) return text;
  Result<std::string> bytes = DecodeMultibase(*text);
  if (!bytes.ok()) {
    return bytes.status().WithContext(std::string("pubsub message \"") +
                                      name + "\"");
  }
  return bytes;
}

}  // namespace

Result<Message> ParsePubsubLine(std::string_view line) {
  FlatJsonLimits limits;
  limits.max_bytes = kMaxPubsubLineBytes;
  Result<FlatJson> json = ParseFlatJson(line, limits);
  if (!json.ok()) return json.status();

  Message message;
  Result<std::string> from = Member(*json, "from");
  if (!from.ok()) return from.status();
  message.from = std::move(from).value();
  Result<std::string> data = DecodedMember(*json, "data");
  if (!data.ok()) return data.status();
  message.data = std::move(data).value();
  if (json->strings.count("seqno")) {
    Result<std::string> seqno = DecodedMember(*json, "seqno");
    if (!seqno.ok()) return seqno.status();
    message.seqno = std::move(seqno).value();
  }
  return message;
}

}  // namespace dim::ipfs
