// A small certificate authority for one dimctl deployment: `InitCa` makes
// the CA, `IssueCert` signs server certificates for orchestrators and nodes
// and client certificates for users. Keys are written with mode 0600 and
// no existing file is replaced unless the options say so. Functions are
// thread-safe but two processes issuing into one directory at once may
// race on file names (the loser gets kAlreadyExists).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/security/files.h"
#include "core/security/keys.h"
#include "core/util/status.h"

namespace dim::security {

// File names inside a CA directory.
inline constexpr const char* kCaKeyFile = "ca.key";
inline constexpr const char* kCaCertFile = "ca.crt";

// $XDG_CONFIG_HOME/dimctl/certs, or ~/.config/dimctl/certs.
std::string DefaultCertDir();

struct CaOptions {
  std::string dir;  // created (mode 0700) if missing
  KeyType key_type = kDefaultKeyType;
  int days = 3650;
  std::string common_name = "dimctl CA";
  Overwrite overwrite = Overwrite::kNo;
  // Start of validity, unix ms. 0: now, less a few minutes so that peers
  // whose clocks lag accept a certificate made a moment ago.
  int64_t not_before_ms = 0;
};

enum class CertKind {
  kServer,  // orchestrators and nodes: serverAuth and clientAuth
  kClient,  // users: clientAuth; the common name is the user id
};

struct IssueOptions {
  std::string dir;   // holds ca.key and ca.crt; output goes here too
  std::string name;  // common name and file stem: letters, digits, . _ -
  CertKind kind = CertKind::kServer;
  // Extra subject alternative names. Server certificates always carry
  // DNS:localhost and IP:127.0.0.1 as well.
  std::vector<std::string> ips;
  std::vector<std::string> dns_names;
  int days = 825;
  KeyType key_type = kDefaultKeyType;
  Overwrite overwrite = Overwrite::kNo;
  int64_t not_before_ms = 0;  // as in CaOptions; tests set it in the past
};

struct CertFiles {
  std::string key_path;
  std::string cert_path;
};

// Writes <dir>/ca.key and <dir>/ca.crt: a self-signed certificate with
// basicConstraints CA:TRUE (critical), keyUsage keyCertSign and cRLSign,
// and a subject key identifier.
// Errors: kInvalidArgument for bad options, kAlreadyExists naming the file
// when one is present and overwrite is kNo, others for I/O and OpenSSL.
Result<CertFiles> InitCa(const CaOptions& options);

// Writes <dir>/<name>.key and <dir>/<name>.crt, signed by the CA in <dir>,
// with a random serial and an authority key identifier. kNotFound when the
// directory has no CA; otherwise errors as for InitCa.
Result<CertFiles> IssueCert(const IssueOptions& options);

}  // namespace dim::security
