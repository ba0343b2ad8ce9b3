#include "core/orchestrator/access.h"

#include <cstdio>

namespace dim::orchestrator {
namespace {

std::string Seconds(std::chrono::milliseconds ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", ms.count() / 1000.0);
  return text;
}

}  // namespace

Access::Access(const rpc::Authenticator* auth, security::RateLimiter* limiter)
    : auth_(auth), limiter_(limiter) {}

Result<security::Identity> Access::Identify(
    const grpc::ServerContextBase& ctx) const {
  return auth_->Identify(ctx);
}

Status Access::AdmitSubmit(const security::Identity& who,
                           std::chrono::milliseconds* retry_after) {
  if (!auth_->enabled() || !limiter_) return Status::Ok();
  auto decision =
      limiter_->Admit(who.user, security::RateLimiter::Clock::now());
  if (decision.admitted) return Status::Ok();
  *retry_after = decision.retry_after;
  return ResourceExhausted(
      "rate limit: user " + who.user + " may submit " +
      std::to_string(decision.limit.per_minute) + " jobs a minute (burst " +
      std::to_string(decision.limit.burst) + "); retry in " +
      Seconds(decision.retry_after));
}

Status Access::CheckOwner(const security::Identity& who,
                          const dim::v1::Job& job) const {
  if (!auth_->enabled() || who.role == security::Role::kAdmin ||
      job.user() == who.user) {
    return Status::Ok();
  }
  return Status(Code::kPermissionDenied,
                "job " + job.id() + " belongs to another user");
}

const std::string* Access::ListFilter(const security::Identity& who) const {
  if (!auth_->enabled() || who.role == security::Role::kAdmin) return nullptr;
  return &who.user;
}

dim::v1::Quota Access::QuotaOf(const security::Identity& who) {
  dim::v1::Quota quota;
  quota.set_user(who.user);
  quota.set_role(security::RoleName(who.role));
  quota.set_authentication(auth_->enabled());
  if (!auth_->enabled() || !limiter_) return quota;
  auto decision =
      limiter_->Peek(who.user, security::RateLimiter::Clock::now());
  quota.set_tokens(decision.tokens);
  quota.set_per_minute(decision.limit.per_minute);
  quota.set_burst(decision.limit.burst);
  quota.set_retry_after_ms(decision.retry_after.count());
  return quota;
}

}  // namespace dim::orchestrator
