// Small text algorithms shared across layers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dim {

// Levenshtein distance: insertions, deletions and substitutions each
// count one. For "did you mean" suggestions.
size_t EditDistance(std::string_view a, std::string_view b);

// ASCII letters in lower case; other bytes as they are.
std::string Lowercase(std::string_view text);

// CRC-32 (IEEE 802.3, the one zip and gzip use).
uint32_t Crc32(std::string_view data);

}  // namespace dim
