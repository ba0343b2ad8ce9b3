// A strict reader for the one-line JSON objects that `ipfs pubsub sub
// --enc=json` prints: a flat object whose values are strings or arrays of
// strings. Anything else (numbers, nesting, duplicate keys, invalid UTF-8,
// trailing text) is an error, so a line is either understood completely
// or skipped. Input is untrusted: the reader never recurses, never reads
// past the view, and stops at the limits below.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/status.h"

namespace dim::ipfs {

struct FlatJson {
  std::map<std::string, std::string> strings;
  std::map<std::string, std::vector<std::string>> arrays;
};

struct FlatJsonLimits {
  size_t max_bytes = 4 << 20;
  size_t max_members = 64;
  size_t max_array_items = 1024;
};

// Parses one object; surrounding whitespace (including a final newline) is
// allowed. Errors say what was expected and at which byte offset.
Result<FlatJson> ParseFlatJson(std::string_view text,
                               const FlatJsonLimits& limits = {});

}  // namespace dim::ipfs
