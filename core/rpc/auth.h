// Who is calling an orchestrator: the user of a bearer token
// ("authorization: Bearer dim1...." metadata, see core/security/tokens.h)
// or, with mutual TLS, the common name of the client's certificate. With
// neither configured everyone is the anonymous admin, as on a loopback
// all-in-one server. Thread-safe (immutable).
#pragma once

#include <string>

#include <grpcpp/server_context.h>

#include "core/security/tokens.h"
#include "core/util/status.h"

namespace dim::rpc {

inline constexpr char kAuthorization[] = "authorization";

class Authenticator {
 public:
  // `token_key` empty: tokens are not accepted. `mtls`: the server
  // requires client certificates, whose common name is the user.
  Authenticator(std::string token_key, bool mtls);

  bool enabled() const { return !token_key_.empty() || mtls_; }

  // kUnauthenticated naming what is missing or wrong.
  Result<security::Identity> Identify(
      const grpc::ServerContextBase& ctx) const;

 private:
  const std::string token_key_;
  const bool mtls_;
};

// The caller's own "authorization" metadata, for passing a request on to
// another orchestrator on its behalf; empty if none.
std::string AuthorizationOf(const grpc::ServerContextBase& ctx);

}  // namespace dim::rpc
