// Multibase text as Kubo prints it in `pubsub sub --enc=json`: a one-letter
// base prefix, then the encoded bytes. Only base64url without padding
// (prefix 'u') is accepted, since that is the only base Kubo uses there;
// anything else is rejected rather than guessed at.
//
// Decoding is strict so that one byte string has exactly one accepted
// text: characters outside the alphabet, a length that no byte count can
// produce, and non-zero bits after the last byte are all errors. Input
// comes from another process and is untrusted; nothing here allocates more
// than the output needs.
#pragma once

#include <string>
#include <string_view>

#include "core/util/status.h"

namespace dim::ipfs {

// RFC 4648 section 5 alphabet, no '=' padding.
Result<std::string> DecodeBase64Url(std::string_view text);
std::string EncodeBase64Url(std::string_view bytes);

// "u<base64url>" -> bytes. The error names the offending character or why
// the length is impossible; it never quotes the (possibly huge) input.
Result<std::string> DecodeMultibase(std::string_view text);
// bytes -> "u<base64url>".
std::string EncodeMultibase(std::string_view bytes);

}  // namespace dim::ipfs
