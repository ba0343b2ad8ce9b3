#include "core/rpc/auth.h"

#include <chrono>

namespace dim::rpc {
namespace {

constexpr char kBearer[] = "Bearer ";

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Authenticator::Authenticator(std::string token_key, bool mtls)
    : token_key_(std::move(token_key)), mtls_(mtls) {}

std::string AuthorizationOf(const grpc::ServerContextBase& ctx) {
  const auto& metadata = ctx.client_metadata();
  auto it = metadata.find(kAuthorization);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

Result<security::Identity> Authenticator::Identify(
    const grpc::ServerContextBase& ctx) const {
  if (!enabled()) return security::Identity{"", security::Role::kAdmin, 0};

  std::string authorization = AuthorizationOf(ctx);
  if (!authorization.empty()) {
    if (token_key_.empty()) {
      return Status(Code::kUnauthenticated,
                    "this server accepts no tokens; authenticate with a "
                    "client certificate");
    }
    if (authorization.rfind(kBearer, 0) != 0) {
      return Status(Code::kUnauthenticated,
                    "authorization metadata is not 'Bearer <token>'");
    }
    return security::VerifyToken(
        token_key_, authorization.substr(sizeof kBearer - 1), NowSeconds());
  }
  if (mtls_) {
    auto names = ctx.auth_context()->FindPropertyValues("x509_common_name");
    if (!names.empty()) {
      security::Identity identity;
      identity.user = std::string(names.front().data(), names.front().size());
      if (security::CheckUserId(identity.user).ok()) return identity;
      return Status(Code::kUnauthenticated,
                    "client certificate common name '" + identity.user +
                        "' is not a valid user id");
    }
  }
  return Status(Code::kUnauthenticated,
                "no credentials: set DIM_TOKEN (dimctl token issue)" +
                    std::string(mtls_ ? " or present a client certificate"
                                      : ""));
}

}  // namespace dim::rpc
