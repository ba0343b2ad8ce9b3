// Who may do what on an orchestrator. Callers are identified by the
// Authenticator; with authentication on, jobs belong to the user who
// submitted them (an admin sees and cancels every job, a user only their
// own) and each user's submissions are rate-limited. With it off, every
// caller is the anonymous admin and nothing is limited, as on a loopback
// all-in-one server. Thread-safe.
#pragma once

#include <chrono>
#include <string>

#include <grpcpp/server_context.h>

#include "core/rpc/auth.h"
#include "core/security/rate_limiter.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

class Access {
 public:
  // Borrows both; they must outlive this. `limiter` may be null.
  Access(const rpc::Authenticator* auth, security::RateLimiter* limiter);

  Result<security::Identity> Identify(const grpc::ServerContextBase& ctx)
      const;

  // Takes one submission from the user's allowance. kResourceExhausted
  // saying the limit and when to retry, which is also set in
  // *retry_after.
  Status AdmitSubmit(const security::Identity& who,
                     std::chrono::milliseconds* retry_after);

  // kPermissionDenied when `who` may not see or change `job`.
  Status CheckOwner(const security::Identity& who,
                    const dim::v1::Job& job) const;

  // The user whose jobs `who` may list, or null for all.
  const std::string* ListFilter(const security::Identity& who) const;

  dim::v1::Quota QuotaOf(const security::Identity& who);

 private:
  const rpc::Authenticator* const auth_;
  security::RateLimiter* const limiter_;
};

// The trailing metadata key that carries the wait of a limited submit.
inline constexpr char kRetryAfterMs[] = "retry-after-ms";

}  // namespace dim::orchestrator
