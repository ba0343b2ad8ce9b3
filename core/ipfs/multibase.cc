#include "core/ipfs/multibase.h"

#include <array>
#include <cstdint>

namespace dim::ipfs {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int8_t kInvalid = -1;

// Maps a character to its 6-bit value, or kInvalid.
constexpr std::array<int8_t, 256> MakeTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (int i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}
constexpr std::array<int8_t, 256> kTable = MakeTable();

// A printable character as itself in quotes, any other byte in hex, so
// that an error message never carries control bytes from the input.
std::string ShowChar(unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  if (c >= 0x21 && c < 0x7f) {
    return std::string("'") + static_cast<char>(c) + "'";
  }
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
}

}  // namespace

Result<std::string> DecodeBase64Url(std::string_view text) {
  // Each 4 characters carry 3 bytes; a tail of 2 or 3 characters carries
  // 1 or 2 bytes, and a tail of 1 character cannot carry a whole byte.
  if (text.size() % 4 == 1) {
    return InvalidArgument("invalid base64url length " +
                           std::to_string(text.size()));
  }
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t bits = 0;
  int nbits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    int8_t v = kTable[c];
    if (v == kInvalid) {
      return InvalidArgument("invalid base64url character " + ShowChar(c) +
                             " at offset " + std::to_string(i));
    }
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((bits >> nbits) & 0xff));
    }
  }
  // Leftover bits must be zero, or two texts would decode to one value.
  if ((bits & ((1u << nbits) - 1)) != 0) {
    return InvalidArgument("base64url text has non-zero trailing bits");
  }
  return out;
}

std::string EncodeBase64Url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t bits = 0;
  int nbits = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    nbits += 8;
    while (nbits >= 6) {
      nbits -= 6;
      out.push_back(kAlphabet[(bits >> nbits) & 63]);
    }
  }
  if (nbits > 0) out.push_back(kAlphabet[(bits << (6 - nbits)) & 63]);
  return out;
}

Result<std::string> DecodeMultibase(std::string_view text) {
  if (text.empty()) return InvalidArgument("empty multibase text");
  if (text[0] != 'u') {
    return InvalidArgument(
        "unsupported multibase prefix " +
        ShowChar(static_cast<unsigned char>(text[0])) +
        " (expected 'u', base64url)");
  }
  return DecodeBase64Url(text.substr(1));
}

std::string EncodeMultibase(std::string_view bytes) {
  return "u" + EncodeBase64Url(bytes);
}

}  // namespace dim::ipfs
