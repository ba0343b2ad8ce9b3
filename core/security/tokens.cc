#include "core/security/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>

namespace dim::security {
namespace {

constexpr char kPrefix[] = "dim1.";
constexpr size_t kMinKeyBytes = 32;
constexpr size_t kMaxTokenBytes = 4096;

Status Unauthenticated(const std::string& message) {
  return Status(Code::kUnauthenticated, message);
}

std::string Base64Url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n);
  while (!out.empty() && out.back() == '=') out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

bool FromBase64Url(std::string text, std::string* out) {
  if (text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
                             "tuvwxyz0123456789-_") != std::string::npos ||
      text.size() % 4 == 1) {
    return false;
  }
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  size_t pad = (4 - text.size() % 4) % 4;
  text.append(pad, '=');
  std::string bytes(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  bytes.resize(static_cast<size_t>(n) - pad);
  *out = std::move(bytes);
  return true;
}

std::string Mac(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &length);
  return std::string(reinterpret_cast<char*>(mac), length);
}

std::string UtcTime(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// "user=alice&role=user&exp=123" -> fields; false on any other shape.
bool SplitClaims(const std::string& text,
                 std::map<std::string, std::string>* out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('&', start);
    if (end == std::string::npos) end = text.size();
    std::string pair = text.substr(start, end - start);
    size_t equals = pair.find('=');
    if (equals == std::string::npos ||
        !out->emplace(pair.substr(0, equals), pair.substr(equals + 1))
             .second) {
      return false;
    }
    start = end + 1;
  }
  return out->size() == 3 && out->count("user") && out->count("role") &&
         out->count("exp");
}

}  // namespace

const char* RoleName(Role role) {
  return role == Role::kAdmin ? "admin" : "user";
}

bool ParseRole(const std::string& text, Role* out) {
  if (text == "user") {
    *out = Role::kUser;
  } else if (text == "admin") {
    *out = Role::kAdmin;
  } else {
    return false;
  }
  return true;
}

Status CreateTokenKey(const std::string& path, Overwrite overwrite) {
  std::string key(kMinKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()),
                 static_cast<int>(key.size())) != 1) {
    return Internal("token key " + path + ": no random bytes from OpenSSL");
  }
  return WriteFileAtomic(path, key, 0600, overwrite);
}

Result<std::string> ReadTokenKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("token key " + path + ": cannot read it");
  std::string key((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  if (key.size() < kMinKeyBytes) {
    return InvalidArgument(
        "token key " + path + " has " + std::to_string(key.size()) +
        " bytes; use at least 32 random bytes (dimctl token key " + path +
        ")");
  }
  return key;
}

Status CheckUserId(const std::string& user) {
  bool chars_ok = std::all_of(user.begin(), user.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
           c == '_' || c == '@' || c == '-';
  });
  if (user.empty() || user.size() > 128 || !chars_ok) {
    return InvalidArgument("user id '" + user + "': expected 1 to 128 "
                           "letters, digits, '.', '_', '@' or '-'");
  }
  return Status::Ok();
}

Result<std::string> IssueToken(const std::string& key,
                               const Identity& identity) {
  DIM_RETURN_IF_ERROR(CheckUserId(identity.user));
  std::string claims = "user=" + identity.user + "&role=" +
                       RoleName(identity.role) +
                       "&exp=" + std::to_string(identity.expires_s);
  std::string signed_part = kPrefix + Base64Url(claims);
  return signed_part + "." + Base64Url(Mac(key, signed_part));
}

Result<Identity> VerifyToken(const std::string& key, const std::string& token,
                             int64_t now_s) {
  size_t dot = token.rfind('.');
  if (token.size() > kMaxTokenBytes || token.rfind(kPrefix, 0) != 0 ||
      dot < sizeof kPrefix - 1) {
    return Unauthenticated("malformed token (expected dim1.<claims>.<mac>)");
  }
  std::string signed_part = token.substr(0, dot);
  std::string mac;
  if (!FromBase64Url(token.substr(dot + 1), &mac)) {
    return Unauthenticated("malformed token (bad signature encoding)");
  }
  std::string expected = Mac(key, signed_part);
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) != 0) {
    return Unauthenticated(
        "token signature does not match this server's token key");
  }

  std::string claims;
  std::map<std::string, std::string> fields;
  if (!FromBase64Url(signed_part.substr(sizeof kPrefix - 1), &claims) ||
      !SplitClaims(claims, &fields)) {
    return Unauthenticated("malformed token (bad claims)");
  }
  Identity identity;
  identity.user = fields["user"];
  const std::string& exp = fields["exp"];
  if (!ParseRole(fields["role"], &identity.role) ||
      !CheckUserId(identity.user).ok() || exp.empty() || exp.size() > 12 ||
      exp.find_first_not_of("0123456789") != std::string::npos) {
    return Unauthenticated("malformed token (bad claims)");
  }
  identity.expires_s = std::stoll(exp);
  if (identity.expires_s <= now_s) {
    return Unauthenticated("token for " + identity.user + " expired at " +
                           UtcTime(identity.expires_s) +
                           "; ask for a new one (dimctl token issue)");
  }
  return identity;
}

}  // namespace dim::security
