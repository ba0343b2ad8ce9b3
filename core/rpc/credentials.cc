#include "core/rpc/credentials.h"

#include <chrono>
#include <fstream>
#include <iterator>

#include "core/security/cert_info.h"
#include "core/security/signature.h"

namespace dim::rpc {
namespace {

Result<std::string> ReadPem(const std::string& path, const std::string& from,
                            const char* kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(from + ": " + path + ": cannot read it");
  std::string pem((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  if (pem.find(std::string("-----BEGIN ") + kind) == std::string::npos) {
    return InvalidArgument(from + ": " + path + ": not a PEM " +
                           (std::string(kind) == "CERTIFICATE"
                                ? "certificate"
                                : "private key"));
  }
  return pem;
}

Result<std::string> ReadCertificate(const std::string& path,
                                    const std::string& from) {
  return ReadPem(path, from, "CERTIFICATE");
}

Result<std::string> ReadKey(const std::string& path,
                            const std::string& from) {
  // "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY" all contain it.
  auto pem = ReadPem(path, from, "");
  if (!pem.ok()) return pem;
  if (pem->find("PRIVATE KEY-----") == std::string::npos) {
    return InvalidArgument(from + ": " + path + ": not a PEM private key");
  }
  return pem;
}

bool Contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

// A certificate this process presents must be one a peer can accept: a
// wrong one fails every handshake later with less to go on than this.
Status CheckOwn(const TlsFiles& files, const std::string& cert,
                const std::string& key, const std::string& ca) {
  std::string where = files.cert_from + ": " + files.cert;
  auto info = security::ParseCert(cert, where);
  if (!info.ok()) return info.status();
  int64_t now = NowMs();
  if (now > info->not_after_ms) {
    return FailedPrecondition(where + ": expired at " +
                              security::FormatUtcTime(info->not_after_ms) +
                              "; issue a new one (dimctl certs issue)");
  }
  if (now < info->not_before_ms) {
    return FailedPrecondition(where + ": not valid until " +
                              security::FormatUtcTime(info->not_before_ms) +
                              " (is this machine's clock right?)");
  }
  Status match = security::CheckKeyMatchesCert(key, cert);
  if (!match.ok()) {
    return FailedPrecondition(files.key_from + ": " + files.key +
                              ": not the key of " + where);
  }
  if (ca.empty()) return Status::Ok();
  Status chain = security::VerifyChain(cert, ca, now);
  if (!chain.ok()) {
    return FailedPrecondition(where + ": " + chain.message() + " (" +
                              files.ca_from + ": " + files.ca + ")");
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const TlsFiles& files) {
  if (files.cert.empty()) return grpc::InsecureServerCredentials();
  auto cert = ReadCertificate(files.cert, files.cert_from);
  if (!cert.ok()) return cert.status();
  auto key = ReadKey(files.key, files.key_from);
  if (!key.ok()) return key.status();
  std::string ca;
  if (!files.ca.empty()) {
    auto read = ReadCertificate(files.ca, files.ca_from);
    if (!read.ok()) return read.status();
    ca = std::move(read).value();
  }
  DIM_RETURN_IF_ERROR(CheckOwn(files, *cert, *key, ca));

  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!files.client_ca.empty()) {
    auto client_ca = ReadCertificate(files.client_ca, files.client_ca_from);
    if (!client_ca.ok()) return client_ca.status();
    options.pem_root_certs = *client_ca;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFrom(
    const TlsFiles& files) {
  if (files.ca.empty()) return grpc::InsecureChannelCredentials();
  auto ca = ReadCertificate(files.ca, files.ca_from);
  if (!ca.ok()) return ca.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = *ca;
  if (!files.cert.empty()) {
    auto cert = ReadCertificate(files.cert, files.cert_from);
    if (!cert.ok()) return cert.status();
    auto key = ReadKey(files.key, files.key_from);
    if (!key.ok()) return key.status();
    DIM_RETURN_IF_ERROR(CheckOwn(files, *cert, *key, *ca));
    options.pem_cert_chain = *cert;
    options.pem_private_key = *key;
  }
  return grpc::SslCredentials(options);
}

std::string ExplainTlsFailure(const std::string& message) {
  if (Contains(message, "CERTIFICATE_VERIFY_FAILED") ||
      Contains(message, "certificate verify failed")) {
    if (Contains(message, "expired")) {
      return "TLS: the server's certificate has expired (" + message + ")";
    }
    return "TLS: the server's certificate is not signed by the CA this "
           "client trusts (DIM_CACERT or security.ca) (" + message + ")";
  }
  if (Contains(message, "not in peer certificate") ||
      Contains(message, "Peer name")) {
    return "TLS: the server's certificate does not name the address "
           "dialled; issue it with --ip/--dns for that address (" +
           message + ")";
  }
  if (Contains(message, "WRONG_VERSION_NUMBER") ||
      Contains(message, "wrong version number")) {
    return "TLS: the server does not speak TLS (plaintext server, or set "
           "no CA) (" + message + ")";
  }
  if (Contains(message, "Handshake") || Contains(message, "handshake") ||
      Contains(message, "SSL")) {
    return "TLS handshake failed; if the server requires client "
           "certificates, set DIM_CERT and DIM_KEY (" + message + ")";
  }
  return message;
}

std::string ExplainServerTlsFailure(const std::string& log_line) {
  if (!Contains(log_line, "Handshake failed")) return "";
  std::string why = "a TLS handshake with a client failed";
  if (Contains(log_line, "wrong version number")) {
    why = "a client spoke plaintext to this TLS server (it needs "
          "DIM_CACERT, or security.ca)";
  } else if (Contains(log_line, "peer did not return a certificate") ||
             Contains(log_line, "PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
    why = "a client presented no certificate, and security.client_ca "
          "requires one";
  } else if (Contains(log_line, "certificate verify failed") ||
             Contains(log_line, "unknown ca") ||
             Contains(log_line, "bad certificate")) {
    // TODO(#4): gRPC does not pass on OpenSSL's verification error, so
    // the server cannot tell an expired certificate from a foreign one;
    // a custom verifier (grpc::experimental::TlsServerCredentials) could.
    why = "a client's certificate was refused: not signed by "
          "security.client_ca, or expired or not yet valid (or the client "
          "does not trust this server's CA)";
  } else if (Contains(log_line, "certificate expired")) {
    why = "a certificate in the handshake has expired";
  }
  return why + " (" + log_line + ")";
}

}  // namespace dim::rpc
