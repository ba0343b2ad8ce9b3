// Key types for dimctl's certificates. P-256 is the default because every
// TLS stack accepts it; Ed25519 keys are smaller and faster to sign with.
#pragma once

#include <string_view>

#include "core/util/status.h"

namespace dim::security {

enum class KeyType { kP256, kEd25519 };

inline constexpr KeyType kDefaultKeyType = KeyType::kP256;

// Reads "p256" (also "p-256", "ecdsa") or "ed25519", in any case.
Result<KeyType> ParseKeyType(std::string_view text);
// The name ParseKeyType reads back: "p256" or "ed25519".
const char* KeyTypeName(KeyType type);

}  // namespace dim::security
