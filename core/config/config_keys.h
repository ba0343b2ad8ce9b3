// The table of dim.toml keys, private to core/config. One entry per key
// says where the value lives in Config and how it is checked, so that the
// file, the environment and ConfigValues cannot disagree about a key.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config/config.h"
#include "core/util/status.h"

namespace dim::config::keys {

enum class Kind {
  kText,           // any string
  kListenAddress,  // HOST:PORT, port 0 allowed
  kPeerAddress,    // HOST:PORT with a real port, or empty
  kOptionalListen,  // HOST:PORT, port 0 allowed, or empty (off)
  kChoice,         // one of a fixed set of names (an enum)
  kInteger,        // from min to max
  kBoolean,
  kDuration,       // from min to max milliseconds
  kList,           // strings, none empty
};

using FieldRef =
    std::variant<std::string*, int*, int64_t*, bool*,
                 std::chrono::milliseconds*, std::vector<std::string>*,
                 Role*, DiscoveryMode*, dim::log::Level*>;

struct KeyDef {
  const char* section;
  const char* name;
  Kind kind;
  int64_t min;
  int64_t max;
  FieldRef (*field)(Config&);
  // kChoice: the names, indexed by the value of the field's enum.
  const std::vector<std::string_view>* choices = nullptr;
};

// Every key, in the order examples/dim.toml documents them.
const std::vector<KeyDef>& All();

// The sections in order, and the key names of one section.
std::vector<std::string_view> Sections();
std::vector<std::string_view> KeysOf(std::string_view section);
const KeyDef* Find(std::string_view section, std::string_view name);

// "DIM_NODE_MAX_CONCURRENT_TASKS".
std::string EnvironmentName(const KeyDef& key);

// Setters: each checks the value against the key and stores it, or fails
// with kInvalidArgument and a message without any prefix ("expected an
// integer from 1 to 256, got 0"); the caller adds the position or the
// variable name.
// "expected an integer, got a string": the value's type cannot hold the key.
Status TypeMismatch(const KeyDef& key, const char* got);
Status SetText(const KeyDef& key, const std::string& text, Config* config);
Status SetInteger(const KeyDef& key, int64_t value, Config* config);
Status SetBoolean(const KeyDef& key, bool value, Config* config);
Status SetList(const KeyDef& key, std::vector<std::string> items,
               Config* config);
// Interprets the text of an environment variable by the key's kind: lists
// are comma-separated, booleans true or false, durations as in the file,
// and integers (durations too) in decimal.
Status SetFromEnvironment(const KeyDef& key, const std::string& text,
                          Config* config);

// The value of key in config, written as TOML.
std::string FormatValue(const KeyDef& key, Config config);

}  // namespace dim::config::keys
