// TLS for every gRPC server and client of dimctl, from PEM files: a
// server with a certificate and key speaks TLS, and requires client
// certificates when a client CA is given; a client with a CA checks the
// server against it and, with a certificate and key, presents them.
// Without files, plaintext.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include "core/util/status.h"

namespace dim::rpc {

// Paths; `what` names their origin in errors ("security.cert",
// "DIM_CACERT").
struct TlsFiles {
  std::string ca, ca_from;
  std::string cert, cert_from;
  std::string key, key_from;
  std::string client_ca, client_ca_from;
};

// kNotFound or kInvalidArgument naming the setting and the path, e.g.
// "security.cert: /etc/dim/n1.crt: no such file", "...: not a PEM
// certificate".
Result<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const TlsFiles& files);
Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFrom(
    const TlsFiles& files);

// gRPC's words for a failed TLS handshake, turned into what a person can
// act on, or `message` unchanged when it is not about TLS.
std::string ExplainTlsFailure(const std::string& message);

// The same for a server's log line about a client's failed handshake;
// empty when the line is not about one.
std::string ExplainServerTlsFailure(const std::string& log_line);

}  // namespace dim::rpc
