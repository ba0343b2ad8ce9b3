// Reading certificates: what `dimctl certs show` prints, and what the
// mesh and the servers need to know about a peer's certificate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace dim::security {

struct CertInfo {
  std::string subject;      // RFC 2253 form, e.g. "CN=node-a"
  std::string issuer;
  std::string common_name;  // "" when the subject has none
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // textual, IPv4 or IPv6
  int64_t not_before_ms = 0;              // unix ms
  int64_t not_after_ms = 0;
  std::string sha256_fingerprint;  // "AB:CD:...", as `openssl x509` prints
  // "P-256", "Ed25519", "RSA-2048", or OpenSSL's name for other keys.
  std::string key_type;
  bool is_ca = false;
  std::string serial;  // upper-case hex
  std::vector<std::string> extended_key_usage;  // "serverAuth", ...
};

// The first certificate in a PEM file. Errors name the file.
Result<CertInfo> ReadCert(const std::string& path);
// The same from PEM text; `source` names it in errors.
Result<CertInfo> ParseCert(const std::string& pem,
                           const std::string& source = "PEM text");

// The subject's common name: the node id or user id a peer claims.
Result<std::string> CommonName(const std::string& cert_pem);

// "2026-03-01T12:00:00Z", for messages about validity.
std::string FormatUtcTime(int64_t unix_ms);

}  // namespace dim::security
