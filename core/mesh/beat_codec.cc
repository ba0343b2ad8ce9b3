#include "core/mesh/beat_codec.h"

#include <algorithm>

namespace dim::mesh {
namespace {

constexpr std::string_view kTag = "dim1";
constexpr size_t kMaxId = 128;
constexpr size_t kMaxAddress = 256;
constexpr int kMaxListed = 4096;

bool Printable(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c > ' ' && c < 127;
  });
}

Status CheckName(const std::string& field, const std::string& value,
                 size_t max) {
  if (value.empty()) return InvalidArgument(field + " is empty");
  if (value.size() > max) {
    return InvalidArgument(field + " is longer than " + std::to_string(max) +
                           " characters");
  }
  if (!Printable(value)) {
    return InvalidArgument(field + " has spaces or control characters");
  }
  return Status::Ok();
}

// HOST:PORT with a port from 1 to 65535.
Status CheckAddress(const std::string& field, const std::string& value) {
  DIM_RETURN_IF_ERROR(CheckName(field, value, kMaxAddress));
  size_t colon = value.rfind(':');
  std::string port = colon == std::string::npos ? "" : value.substr(colon + 1);
  bool digits = !port.empty() && port.size() <= 5 &&
                std::all_of(port.begin(), port.end(),
                            [](char c) { return c >= '0' && c <= '9'; });
  if (colon == 0 || !digits || std::stoi(port) == 0 ||
      std::stoi(port) > 65535) {
    return InvalidArgument(field + ": expected HOST:PORT, got '" + value +
                           "'");
  }
  return Status::Ok();
}

Status CheckHeader(const dim::v1::BeatHeader& header) {
  DIM_RETURN_IF_ERROR(CheckName("header.instance", header.instance(), 64));
  if (header.seq() == 0) return InvalidArgument("header.seq is 0");
  if (header.interval_ms() < 0) {
    return InvalidArgument("header.interval_ms is negative");
  }
  return Status::Ok();
}

Status CheckCounts(const dim::v1::NodeStatus& s) {
  if (s.capacity() < 0 || s.running() < 0 || s.queued() < 0) {
    return InvalidArgument("status: capacity, running and queued must not "
                           "be negative");
  }
  if (s.models_size() > kMaxListed || s.datasets_size() > kMaxListed) {
    return InvalidArgument("status lists more than " +
                           std::to_string(kMaxListed) +
                           " models or datasets");
  }
  for (const auto& m : s.models()) {
    DIM_RETURN_IF_ERROR(CheckName("status.models.id", m.id(), kMaxId));
  }
  for (const auto& d : s.datasets()) {
    DIM_RETURN_IF_ERROR(CheckName("status.datasets.name", d.name(), kMaxId));
  }
  return Status::Ok();
}

Result<std::string_view> Untag(std::string_view bytes) {
  if (bytes.size() > kMaxBeatBytes) {
    return InvalidArgument("larger than " + std::to_string(kMaxBeatBytes) +
                           " bytes");
  }
  if (bytes.substr(0, kTag.size()) != kTag) {
    return InvalidArgument("not a dimctl heartbeat (no dim1 tag)");
  }
  return bytes.substr(kTag.size());
}

template <typename Beat>
Result<Beat> Parse(std::string_view bytes, const char* what) {
  auto body = Untag(bytes);
  if (!body.ok()) return body.status().WithContext(what);
  Beat beat;
  if (!beat.ParseFromArray(body->data(), static_cast<int>(body->size()))) {
    return InvalidArgument(std::string(what) + ": not a valid message");
  }
  return beat;
}

}  // namespace

std::string EncodeBeat(const google::protobuf::Message& beat) {
  std::string bytes(kTag);
  beat.AppendToString(&bytes);
  return bytes;
}

Status CheckNodeBeat(const dim::v1::NodeHeartbeat& beat) {
  const auto& s = beat.status();
  Status checked = CheckHeader(beat.header());
  if (checked.ok()) checked = CheckName("status.node_id", s.node_id(), kMaxId);
  if (checked.ok()) checked = CheckAddress("status.address", s.address());
  if (checked.ok()) checked = CheckCounts(s);
  if (!checked.ok()) {
    std::string who = s.node_id().empty() || !Printable(s.node_id()) ||
                              s.node_id().size() > kMaxId
                          ? "node heartbeat"
                          : "heartbeat of node " + s.node_id();
    return checked.WithContext(who);
  }
  return Status::Ok();
}

Result<dim::v1::NodeHeartbeat> DecodeNodeBeat(std::string_view bytes) {
  auto beat = Parse<dim::v1::NodeHeartbeat>(bytes, "node heartbeat");
  if (!beat.ok()) return beat;
  DIM_RETURN_IF_ERROR(CheckNodeBeat(*beat));
  return beat;
}

Result<dim::v1::OrchestratorHeartbeat> DecodeOrchestratorBeat(
    std::string_view bytes) {
  auto beat =
      Parse<dim::v1::OrchestratorHeartbeat>(bytes, "orchestrator heartbeat");
  if (!beat.ok()) return beat;
  const auto& s = beat->status();
  Status checked = CheckHeader(beat->header());
  if (checked.ok()) {
    checked = CheckName("status.orchestrator_id", s.orchestrator_id(), kMaxId);
  }
  if (checked.ok()) checked = CheckAddress("status.address", s.address());
  if (checked.ok() && (s.queued() < 0 || s.running() < 0)) {
    checked = InvalidArgument("status: queued and running must not be "
                              "negative");
  }
  if (!checked.ok()) return checked.WithContext("orchestrator heartbeat");
  return beat;
}

}  // namespace dim::mesh
