#include "core/mesh/beat_signing.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "core/metrics/registry.h"
#include "core/security/cert_info.h"
#include "core/security/signature.h"

namespace dim::mesh {

std::string SignedPayload(const dim::v1::NodeHeartbeat& beat) {
  dim::v1::NodeHeartbeat bare = beat;
  bare.clear_certificate();
  bare.clear_signature();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    bare.SerializeToCodedStream(&out);
  }
  return bytes;
}

Status SignBeat(const std::string& key_pem, const std::string& cert_pem,
                dim::v1::NodeHeartbeat* beat) {
  auto signature = security::SignBytes(key_pem, SignedPayload(*beat));
  if (!signature.ok()) return signature.status();
  beat->set_certificate(cert_pem);
  beat->set_signature(std::move(signature).value());
  return Status::Ok();
}

BeatVerifier::BeatVerifier(std::string ca_pem) : ca_pem_(std::move(ca_pem)) {}

Status BeatVerifier::Verify(const dim::v1::NodeHeartbeat& beat,
                            int64_t now_ms, BeatFault* fault) const {
  const std::string& node = beat.status().node_id();
  *fault = BeatFault::kUnsigned;
  if (beat.certificate().empty() || beat.signature().empty()) {
    return Status(Code::kUnauthenticated,
                  "heartbeat of node " + node + " is not signed");
  }
  *fault = BeatFault::kUntrusted;
  Status chained = security::VerifyChain(beat.certificate(), ca_pem_, now_ms);
  if (!chained.ok()) return chained.WithContext("heartbeat of node " + node);
  auto name = security::CommonName(beat.certificate());
  if (!name.ok() || *name != node) {
    return Status(Code::kUnauthenticated,
                  "heartbeat of node " + node + " carries the certificate "
                  "of '" + (name.ok() ? *name : "?") + "'");
  }
  Status signed_ok = security::VerifySignature(
      beat.certificate(), SignedPayload(beat), beat.signature());
  if (!signed_ok.ok()) {
    return signed_ok.WithContext("heartbeat of node " + node);
  }
  *fault = BeatFault::kNone;
  return Status::Ok();
}

const char* FaultName(BeatFault fault) {
  return fault == BeatFault::kUnsigned ? "unsigned" : "untrusted";
}

void CountDroppedBeat(const char* reason) {
  static auto& family = metrics::Default().CounterFamily(metrics::MetricInfo(
      "dim.mesh.heartbeats.dropped",
      "Node heartbeats dropped: malformed, unsigned, untrusted or replayed",
      "", {"reason"}));
  family.WithLabels({reason}).Increment();
}

}  // namespace dim::mesh
