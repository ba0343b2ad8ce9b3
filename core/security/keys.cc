#include "core/security/keys.h"

#include <openssl/err.h>

#include <string>

#include "core/security/openssl_util.h"
#include "core/util/text.h"

namespace dim::security {

Result<KeyType> ParseKeyType(std::string_view text) {
  std::string lower = Lowercase(text);
  if (lower == "p256" || lower == "p-256" || lower == "ecdsa") {
    return KeyType::kP256;
  }
  if (lower == "ed25519") return KeyType::kEd25519;
  return InvalidArgument("unknown key type '" + std::string(text) +
                         "' (expected p256 or ed25519)");
}

const char* KeyTypeName(KeyType type) {
  return type == KeyType::kEd25519 ? "ed25519" : "p256";
}

Result<PkeyPtr> GenerateKey(KeyType type) {
  ERR_clear_error();
  PkeyPtr key(type == KeyType::kEd25519
                  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    return OpenSslStatus(Code::kInternal, std::string("generating a ") +
                                              KeyTypeName(type) + " key");
  }
  return key;
}

}  // namespace dim::security
