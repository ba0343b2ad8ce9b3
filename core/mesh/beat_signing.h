// Signed node heartbeats. With a CA configured, a node attaches its
// certificate and signs every beat with its key; orchestrators accept a
// beat only if the certificate chains to the CA, names the node id as
// its common name, and the signature holds. A beat that fails is dropped
// by the caller and counted by reason.
#pragma once

#include <string>

#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::mesh {

// What a signature covers: the beat without certificate and signature,
// serialized deterministically.
std::string SignedPayload(const dim::v1::NodeHeartbeat& beat);

// Signs `beat` in place. Fails with the key's error.
Status SignBeat(const std::string& key_pem, const std::string& cert_pem,
                dim::v1::NodeHeartbeat* beat);

enum class BeatFault { kNone, kUnsigned, kUntrusted };
// "unsigned" or "untrusted": the reason label of a dropped beat.
const char* FaultName(BeatFault fault);

// Counts a dropped node heartbeat in dim.mesh.heartbeats.dropped{reason}:
// "malformed", "unsigned", "untrusted" or "replayed". Thread-safe.
void CountDroppedBeat(const char* reason);

class BeatVerifier {
 public:
  explicit BeatVerifier(std::string ca_pem);

  // kUnauthenticated naming the node and why; *fault says which kind.
  Status Verify(const dim::v1::NodeHeartbeat& beat, int64_t now_ms,
                BeatFault* fault) const;

 private:
  const std::string ca_pem_;
};

}  // namespace dim::mesh
