// Bearer tokens: who the caller is (a user id and a role) until when,
// signed with the server's token key (HMAC-SHA256), so that any
// orchestrator holding the same key can check them without a database.
//
//   dim1.<base64url of "user=alice&role=user&exp=1796342400">.<base64url MAC>
//
// The key is the bytes of a file (security.token_key); at least 32 random
// bytes are expected.
#pragma once

#include <cstdint>
#include <string>

#include "core/security/files.h"
#include "core/util/status.h"

namespace dim::security {

enum class Role { kUser, kAdmin };
const char* RoleName(Role role);
bool ParseRole(const std::string& text, Role* out);

struct Identity {
  std::string user;
  Role role = Role::kUser;
  int64_t expires_s = 0;  // Unix seconds; 0 for identities without expiry
};

// Writes a new token key of 32 random bytes to `path`, mode 0600, through
// WriteFileAtomic (kAlreadyExists naming the file unless overwrite).
Status CreateTokenKey(const std::string& path, Overwrite overwrite);

// Reads and checks a token key file: kNotFound naming the path,
// kInvalidArgument when it holds fewer than 32 bytes.
Result<std::string> ReadTokenKey(const std::string& path);

// kInvalidArgument for a user id that is empty, longer than 128 bytes or
// holds characters other than letters, digits and ._@-.
Status CheckUserId(const std::string& user);

Result<std::string> IssueToken(const std::string& key,
                               const Identity& identity);

// kUnauthenticated: "malformed token", "token signature does not match
// this server's key", "token for alice expired at 2026-12-03T10:00:00Z".
Result<Identity> VerifyToken(const std::string& key, const std::string& token,
                             int64_t now_s);

}  // namespace dim::security
