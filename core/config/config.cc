#include "core/config/config.h"

#include <unistd.h>

#include "core/config/config_keys.h"
#include "core/config/toml_reader.h"

namespace dim::config {
namespace {

using keys::KeyDef;
using Type = TomlValue::Type;

// Every error returned carries the position of the value or of the
// element at fault.
Status ApplyList(const KeyDef& key, const TableReader& section,
                 const TomlEntry& entry, Config* config) {
  std::vector<std::string> items;
  for (const TomlValue& item : entry.value.items) {
    if (item.type != Type::kString) {
      return section.TypeError(entry, item, Type::kString);
    }
    items.push_back(item.string);
  }
  Status status = keys::SetList(key, std::move(items), config);
  if (!status.ok()) return section.ValueError(entry, status.message());
  return status;
}

Status ApplyValue(const KeyDef& key, const TableReader& section,
                  const TomlEntry& entry, Config* config) {
  const TomlValue& value = entry.value;
  Status status;
  switch (value.type) {
    case Type::kString:
      status = keys::SetText(key, value.string, config);
      break;
    case Type::kInteger:
      status = keys::SetInteger(key, value.integer, config);
      break;
    case Type::kBoolean:
      status = keys::SetBoolean(key, value.boolean, config);
      break;
    case Type::kArray:
      if (key.kind == keys::Kind::kList) {
        return ApplyList(key, section, entry, config);
      }
      [[fallthrough]];
    default:
      status = keys::TypeMismatch(key, TypeName(value.type));
  }
  if (!status.ok()) return section.ValueError(entry, status.message());
  return status;
}

Status ApplySection(const TableReader& root, const TomlEntry& section_entry,
                    Config* config) {
  if (section_entry.value.type != Type::kTable) {
    return root.TypeError(section_entry, section_entry.value, Type::kTable);
  }
  const std::string& section = section_entry.key;
  TableReader reader(section_entry.value, root.source(), section);
  DIM_RETURN_IF_ERROR(reader.CheckKeys(keys::KeysOf(section)));

  for (const TomlEntry& entry : section_entry.value.entries) {
    const KeyDef& key = *keys::Find(section, entry.key);
    DIM_RETURN_IF_ERROR(ApplyValue(key, reader, entry, config));
  }
  return Status::Ok();
}

Status ApplyFile(const std::string& path, Config* config) {
  Result<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  Result<TomlValue> root = ParseToml(*text, path);
  if (!root.ok()) return root.status();

  TableReader reader(*root, path, "");
  DIM_RETURN_IF_ERROR(reader.CheckKeys(keys::Sections()));
  for (const TomlEntry& entry : root->entries) {
    DIM_RETURN_IF_ERROR(ApplySection(reader, entry, config));
  }
  return Status::Ok();
}

Status ApplyEnvironment(const Environment& env, Config* config) {
  for (const KeyDef& key : keys::All()) {
    std::string name = keys::EnvironmentName(key);
    auto it = env.find(name);
    if (it == env.end()) continue;
    Status status = keys::SetFromEnvironment(key, it->second, config);
    if (!status.ok()) return InvalidArgument(name + ": " + status.message());
  }
  return Status::Ok();
}

}  // namespace

Status SetFromText(Config* config, const std::string& section,
                   const std::string& key, const std::string& text) {
  const keys::KeyDef* def = keys::Find(section, key);
  if (def == nullptr) return NotFound("no key " + section + "." + key);
  return keys::SetFromEnvironment(*def, text, config);
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    size_t equals = text.find('=');
    if (equals == std::string::npos) continue;
    env.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return env;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAll: return "all";
    case Role::kOrchestrator: return "orchestrator";
    case Role::kNode: return "node";
  }
  return "all";
}

bool ParseRole(const std::string& text, Role* out) {
  for (Role role : {Role::kAll, Role::kOrchestrator, Role::kNode}) {
    if (text == RoleName(role)) {
      *out = role;
      return true;
    }
  }
  return false;
}

Result<Config> LoadConfig(const std::string& path, const Environment& env) {
  Config config;
  if (!path.empty()) DIM_RETURN_IF_ERROR(ApplyFile(path, &config));
  DIM_RETURN_IF_ERROR(ApplyEnvironment(env, &config));
  DIM_RETURN_IF_ERROR(CheckConsistency(config));
  return config;
}

Result<RateOverride> ParseRateOverride(const std::string& text) {
  auto bad = [&text] {
    return InvalidArgument("'" + text + "': expected USER=PER_MINUTE or "
                           "USER=PER_MINUTE/BURST with whole numbers from "
                           "1 to 1000000");
  };
  size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) return bad();
  RateOverride out;
  out.user = text.substr(0, equals);
  std::string numbers = text.substr(equals + 1);
  size_t slash = numbers.find('/');
  auto number = [](const std::string& digits, int* value) {
    if (digits.empty() || digits.size() > 7 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    *value = std::stoi(digits);
    return *value >= 1 && *value <= 1000000;
  };
  if (!number(numbers.substr(0, slash), &out.per_minute)) return bad();
  if (slash != std::string::npos &&
      !number(numbers.substr(slash + 1), &out.burst)) {
    return bad();
  }
  return out;
}

Status CheckConsistency(const Config& config) {
  const SecurityConfig& sec = config.security;
  if (sec.cert.empty() != sec.key.empty()) {
    return InvalidArgument("security.cert and security.key go together: "
                           "set both or neither");
  }
  if (!sec.client_ca.empty() && sec.cert.empty()) {
    return InvalidArgument("security.client_ca needs security.cert and "
                           "security.key: mutual TLS is TLS first");
  }
  for (const auto& text : config.rate_limit.users) {
    auto parsed = ParseRateOverride(text);
    if (!parsed.ok()) return parsed.status().WithContext("rate_limit.users");
  }
  const DiscoveryConfig& d = config.discovery;
  if (d.dead_after <= d.suspect_after) {
    return InvalidArgument(
        "discovery.dead_after (" + std::to_string(d.dead_after) +
        ") must be greater than discovery.suspect_after (" +
        std::to_string(d.suspect_after) + ")");
  }
  if (d.mode == DiscoveryMode::kIpfs && d.snapshot_key.empty()) {
    return InvalidArgument(
        "discovery.snapshot_key must name an IPFS key when "
        "discovery.mode is \"ipfs\"");
  }
  return Status::Ok();
}

Result<std::string> ResolveDataDir(const Config& config,
                                   const Environment& env) {
  if (!config.server.data_dir.empty()) return config.server.data_dir;

  // The XDG base directory specification says to ignore relative paths.
  auto xdg = env.find("XDG_STATE_HOME");
  if (xdg != env.end() && !xdg->second.empty() && xdg->second[0] == '/') {
    return xdg->second + "/dimctl";
  }
  auto home = env.find("HOME");
  if (home != env.end() && !home->second.empty()) {
    return home->second + "/.local/state/dimctl";
  }
  return FailedPrecondition(
      "no data directory: set server.data_dir in dim.toml, "
      "DIM_SERVER_DATA_DIR, XDG_STATE_HOME or HOME");
}

std::vector<std::pair<std::string, std::string>> ConfigValues(
    const Config& config) {
  std::vector<std::pair<std::string, std::string>> values;
  for (const KeyDef& key : keys::All()) {
    values.emplace_back(std::string(key.section) + "." + key.name,
                        keys::FormatValue(key, config));
  }
  return values;
}

}  // namespace dim::config
