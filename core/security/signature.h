// Signing and checking with dimctl's keys and certificates: a node signs
// its heartbeats with its key, and an orchestrator checks the signature
// against the certificate that came with it and that certificate against
// the configured CA. All functions are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/util/status.h"

namespace dim::security {

// Signs `data` with a PEM private key: Ed25519 signs the bytes themselves,
// P-256 (and any other key) signs their SHA-256 digest (ECDSA, DER form).
// Returns the raw signature bytes.
Result<std::string> SignBytes(const std::string& key_pem,
                              std::string_view data);

// kUnauthenticated, naming the certificate's common name, unless `sig` is
// a signature of `data` by the key that `cert_pem` certifies.
// kInvalidArgument when the certificate cannot be read.
Status VerifySignature(const std::string& cert_pem, std::string_view data,
                       std::string_view sig);

// kUnauthenticated unless `cert_pem` is signed by the CA in `ca_pem` and
// both are valid at `now_ms` (unix ms). Messages say which check failed:
// "certificate for node-a expired at 2026-...", "... is not signed by the
// configured CA". Key usages are not checked here.
Status VerifyChain(const std::string& cert_pem, const std::string& ca_pem,
                   int64_t now_ms);

// kFailedPrecondition unless `key_pem` is the private key of `cert_pem`:
// catches a node configured with one node's key and another's certificate.
Status CheckKeyMatchesCert(const std::string& key_pem,
                           const std::string& cert_pem);

}  // namespace dim::security
