#include "core/config/config_keys.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "core/config/duration.h"

namespace dim::config::keys {
namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kKiB = 1024;
constexpr int64_t kGiB = kKiB * kKiB * kKiB;

// Indexed by the enums' values.
const std::vector<std::string_view> kRoleNames = {"all", "orchestrator",
                                                  "node"};
const std::vector<std::string_view> kDiscoveryNames = {"ipfs", "join",
                                                       "none"};
const std::vector<std::string_view> kLevelNames = {"debug", "info", "warn",
                                                   "error", "off"};

const std::vector<KeyDef> kKeys = {
    {"server", "listen", Kind::kListenAddress, 0, 0,
     [](Config& c) -> FieldRef { return &c.server.listen; }},
    {"server", "role", Kind::kChoice, 0, 0,
     [](Config& c) -> FieldRef { return &c.server.role; }, &kRoleNames},
    {"server", "data_dir", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.server.data_dir; }},
    {"server", "metrics_listen", Kind::kOptionalListen, 0, 0,
     [](Config& c) -> FieldRef { return &c.server.metrics_listen; }},

    {"orchestrator", "id", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.orchestrator.id; }},
    {"orchestrator", "max_concurrent_jobs", Kind::kInteger, 1, 4096,
     [](Config& c) -> FieldRef { return &c.orchestrator.max_concurrent_jobs; }},
    {"orchestrator", "max_attempts", Kind::kInteger, 1, 10,
     [](Config& c) -> FieldRef { return &c.orchestrator.max_attempts; }},
    {"orchestrator", "default_job_timeout", Kind::kDuration, kSecond,
     24 * kHour,
     [](Config& c) -> FieldRef { return &c.orchestrator.default_job_timeout; }},
    {"orchestrator", "heartbeat_interval", Kind::kDuration, 100, kMinute,
     [](Config& c) -> FieldRef { return &c.orchestrator.heartbeat_interval; }},
    {"orchestrator", "forward_margin", Kind::kInteger, 1, 1000000,
     [](Config& c) -> FieldRef { return &c.orchestrator.forward_margin; }},
    {"orchestrator", "fsync", Kind::kBoolean, 0, 0,
     [](Config& c) -> FieldRef { return &c.orchestrator.fsync; }},

    {"node", "id", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.node.id; }},
    {"node", "advertise", Kind::kPeerAddress, 0, 0,
     [](Config& c) -> FieldRef { return &c.node.advertise; }},
    {"node", "join", Kind::kPeerAddress, 0, 0,
     [](Config& c) -> FieldRef { return &c.node.join; }},
    {"node", "model_dir", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.node.model_dir; }},
    {"node", "dataset_dir", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.node.dataset_dir; }},
    {"node", "max_concurrent_tasks", Kind::kInteger, 1, 256,
     [](Config& c) -> FieldRef { return &c.node.max_concurrent_tasks; }},
    {"node", "queue_limit", Kind::kInteger, 1, 1000000,
     [](Config& c) -> FieldRef { return &c.node.queue_limit; }},
    {"node", "torch_threads", Kind::kInteger, 0, 256,
     [](Config& c) -> FieldRef { return &c.node.torch_threads; }},
    {"node", "prewarm", Kind::kList, 0, 0,
     [](Config& c) -> FieldRef { return &c.node.prewarm; }},
    {"node", "heartbeat_interval", Kind::kDuration, 100, kMinute,
     [](Config& c) -> FieldRef { return &c.node.heartbeat_interval; }},

    {"discovery", "mode", Kind::kChoice, 0, 0,
     [](Config& c) -> FieldRef { return &c.discovery.mode; },
     &kDiscoveryNames},
    {"discovery", "suspect_after", Kind::kInteger, 1, 100,
     [](Config& c) -> FieldRef { return &c.discovery.suspect_after; }},
    {"discovery", "dead_after", Kind::kInteger, 1, 100,
     [](Config& c) -> FieldRef { return &c.discovery.dead_after; }},
    {"discovery", "snapshot_interval", Kind::kDuration, kSecond, 24 * kHour,
     [](Config& c) -> FieldRef { return &c.discovery.snapshot_interval; }},
    {"discovery", "snapshot_key", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.discovery.snapshot_key; }},

    {"ipfs", "command", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.ipfs.command; }},
    {"ipfs", "api", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.ipfs.api; }},
    {"ipfs", "timeout", Kind::kDuration, 100, 10 * kMinute,
     [](Config& c) -> FieldRef { return &c.ipfs.timeout; }},

    {"security", "ca", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.security.ca; }},
    {"security", "cert", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.security.cert; }},
    {"security", "key", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.security.key; }},
    {"security", "client_ca", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.security.client_ca; }},
    {"security", "token_key", Kind::kText, 0, 0,
     [](Config& c) -> FieldRef { return &c.security.token_key; }},

    {"rate_limit", "per_minute", Kind::kInteger, 1, 1000000,
     [](Config& c) -> FieldRef { return &c.rate_limit.per_minute; }},
    {"rate_limit", "burst", Kind::kInteger, 1, 1000000,
     [](Config& c) -> FieldRef { return &c.rate_limit.burst; }},
    {"rate_limit", "users", Kind::kList, 0, 0,
     [](Config& c) -> FieldRef { return &c.rate_limit.users; }},

    {"pool", "max_channels_per_endpoint", Kind::kInteger, 1, 64,
     [](Config& c) -> FieldRef { return &c.pool.max_channels_per_endpoint; }},
    {"pool", "idle_timeout", Kind::kDuration, kSecond, 24 * kHour,
     [](Config& c) -> FieldRef { return &c.pool.idle_timeout; }},

    {"limits", "max_message_bytes", Kind::kInteger, kKiB, kGiB,
     [](Config& c) -> FieldRef { return &c.limits.max_message_bytes; }},
    {"limits", "max_tensor_bytes", Kind::kInteger, kKiB, kGiB,
     [](Config& c) -> FieldRef { return &c.limits.max_tensor_bytes; }},
    {"limits", "max_tensor_rank", Kind::kInteger, 1, 32,
     [](Config& c) -> FieldRef { return &c.limits.max_tensor_rank; }},
    {"limits", "max_tensor_elements", Kind::kInteger, 1, kGiB,
     [](Config& c) -> FieldRef { return &c.limits.max_tensor_elements; }},
    {"limits", "max_job_steps", Kind::kInteger, 1, 1024,
     [](Config& c) -> FieldRef { return &c.limits.max_job_steps; }},
    {"limits", "max_job_models", Kind::kInteger, 2, 1024,
     [](Config& c) -> FieldRef { return &c.limits.max_job_models; }},
    {"limits", "max_job_datasets", Kind::kInteger, 1, 1024,
     [](Config& c) -> FieldRef { return &c.limits.max_job_datasets; }},
    {"limits", "max_id_length", Kind::kInteger, 16, 4096,
     [](Config& c) -> FieldRef { return &c.limits.max_id_length; }},

    {"log", "level", Kind::kChoice, 0, 0,
     [](Config& c) -> FieldRef { return &c.log.level; }, &kLevelNames},
};

template <typename T>
T* Get(const KeyDef& key, Config* config) {
  return std::get<T*>(key.field(*config));
}

// "a, b or c"
std::string JoinChoices(const std::vector<std::string_view>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '-' || c == '_';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsIpv6Char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' ||
         c == '.';
}

// HOST:PORT where HOST is a name, an IPv4 address or a bracketed IPv6
// address.
bool IsHostPort(std::string_view text, bool allow_port_zero) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);

  bool host_ok;
  if (host.front() == '[') {
    host_ok = host.size() > 2 && host.back() == ']' &&
              std::all_of(host.begin() + 1, host.end() - 1, IsIpv6Char);
  } else {
    host_ok = std::all_of(host.begin(), host.end(), IsHostChar);
  }

  int number = -1;
  bool digits_ok = !port.empty() && port.size() <= 5 &&
                   std::all_of(port.begin(), port.end(), IsDigit);
  if (digits_ok) {
    std::from_chars(port.data(), port.data() + port.size(), number);
  }
  int lowest = allow_port_zero ? 0 : 1;
  return host_ok && number >= lowest && number <= 65535;
}

std::string Quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

std::string RangeText(const KeyDef& key) {
  if (key.kind == Kind::kDuration) {
    return FormatDuration(std::chrono::milliseconds(key.min)) + " to " +
           FormatDuration(std::chrono::milliseconds(key.max));
  }
  return std::to_string(key.min) + " to " + std::to_string(key.max);
}

Status SetDuration(const KeyDef& key, int64_t ms, const std::string& shown,
                   Config* config) {
  if (ms < key.min || ms > key.max) {
    return InvalidArgument("expected a duration from " + RangeText(key) +
                           ", got " + shown);
  }
  *Get<std::chrono::milliseconds>(key, config) = std::chrono::milliseconds(ms);
  return Status::Ok();
}

Status SetChoice(const KeyDef& key, const std::string& text, Config* config) {
  const std::vector<std::string_view>& names = *key.choices;
  auto it = std::find(names.begin(), names.end(), text);
  if (it == names.end()) {
    return InvalidArgument("expected " + JoinChoices(names) + ", got " +
                           Quoted(text));
  }

  int index = static_cast<int>(it - names.begin());
  FieldRef field = key.field(*config);
  if (auto* role = std::get_if<Role*>(&field)) {
    **role = static_cast<Role>(index);
  } else if (auto* mode = std::get_if<DiscoveryMode*>(&field)) {
    **mode = static_cast<DiscoveryMode>(index);
  } else {
    *std::get<dim::log::Level*>(field) = static_cast<dim::log::Level>(index);
  }
  return Status::Ok();
}

Status CheckAddress(const KeyDef& key, const std::string& text) {
  bool listen = key.kind != Kind::kPeerAddress;
  if (key.kind != Kind::kListenAddress && text.empty()) return Status::Ok();
  if (IsHostPort(text, listen)) return Status::Ok();
  return InvalidArgument(
      "expected HOST:PORT such as 127.0.0.1:7420, got " + Quoted(text));
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) items.push_back(item);
    start = comma + 1;
  }
  return items;
}

std::string TomlString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* ExpectedType(Kind kind) {
  switch (kind) {
    case Kind::kInteger: return "an integer";
    case Kind::kBoolean: return "a boolean";
    case Kind::kDuration: return "a duration";
    case Kind::kList: return "an array of strings";
    default: return "a string";
  }
}

}  // namespace

const std::vector<KeyDef>& All() { return kKeys; }

std::vector<std::string_view> Sections() {
  std::vector<std::string_view> sections;
  for (const KeyDef& key : kKeys) {
    if (sections.empty() || sections.back() != key.section) {
      sections.push_back(key.section);
    }
  }
  return sections;
}

std::vector<std::string_view> KeysOf(std::string_view section) {
  std::vector<std::string_view> names;
  for (const KeyDef& key : kKeys) {
    if (section == key.section) names.push_back(key.name);
  }
  return names;
}

const KeyDef* Find(std::string_view section, std::string_view name) {
  for (const KeyDef& key : kKeys) {
    if (section == key.section && name == key.name) return &key;
  }
  return nullptr;
}

std::string EnvironmentName(const KeyDef& key) {
  std::string name = std::string("DIM_") + key.section + "_" + key.name;
  for (char& c : name) c = static_cast<char>(std::toupper(c));
  return name;
}

Status TypeMismatch(const KeyDef& key, const char* got) {
  return InvalidArgument(std::string("expected ") + ExpectedType(key.kind) +
                         ", got " + got);
}

Status SetText(const KeyDef& key, const std::string& text, Config* config) {
  switch (key.kind) {
    case Kind::kText:
      *Get<std::string>(key, config) = text;
      return Status::Ok();
    case Kind::kListenAddress:
    case Kind::kPeerAddress:
    case Kind::kOptionalListen:
      DIM_RETURN_IF_ERROR(CheckAddress(key, text));
      *Get<std::string>(key, config) = text;
      return Status::Ok();
    case Kind::kChoice:
      return SetChoice(key, text, config);
    case Kind::kDuration: {
      std::chrono::milliseconds ms;
      if (!ParseDuration(text, &ms)) {
        return InvalidArgument(
            "expected a duration such as '500ms', '30s', '5m' or '1h', got " +
            Quoted(text));
      }
      return SetDuration(key, ms.count(), Quoted(text), config);
    }
    default:
      return TypeMismatch(key, "a string");
  }
}

Status SetInteger(const KeyDef& key, int64_t value, Config* config) {
  if (key.kind == Kind::kDuration) {
    // A bare number of seconds; one too large to multiply is out of
    // range all the same.
    int64_t ms = value > key.max / kSecond ? key.max + 1 : value * kSecond;
    return SetDuration(key, ms, std::to_string(value) + " seconds", config);
  }
  if (key.kind != Kind::kInteger) return TypeMismatch(key, "an integer");

  if (value < key.min || value > key.max) {
    return InvalidArgument("expected an integer from " + RangeText(key) +
                           ", got " + std::to_string(value));
  }
  FieldRef field = key.field(*config);
  if (auto* narrow = std::get_if<int*>(&field)) {
    **narrow = static_cast<int>(value);
  } else {
    *std::get<int64_t*>(field) = value;
  }
  return Status::Ok();
}

Status SetBoolean(const KeyDef& key, bool value, Config* config) {
  if (key.kind != Kind::kBoolean) return TypeMismatch(key, "a boolean");
  *Get<bool>(key, config) = value;
  return Status::Ok();
}

Status SetList(const KeyDef& key, std::vector<std::string> items,
               Config* config) {
  if (key.kind != Kind::kList) return TypeMismatch(key, "an array");
  for (const std::string& item : items) {
    if (item.empty()) {
      return InvalidArgument("expected non-empty strings, got ''");
    }
  }
  *Get<std::vector<std::string>>(key, config) = std::move(items);
  return Status::Ok();
}

Status SetFromEnvironment(const KeyDef& key, const std::string& text,
                          Config* config) {
  switch (key.kind) {
    case Kind::kBoolean:
      if (text == "true" || text == "false") {
        return SetBoolean(key, text == "true", config);
      }
      return InvalidArgument("expected true or false, got " + Quoted(text));
    case Kind::kList:
      return SetList(key, SplitList(text), config);
    case Kind::kInteger:
    case Kind::kDuration: {
      int64_t value = 0;
      const char* end = text.data() + text.size();
      auto [ptr, error] = std::from_chars(text.data(), end, value);
      bool whole = !text.empty() && error == std::errc() && ptr == end;
      if (whole) return SetInteger(key, value, config);
      if (key.kind == Kind::kDuration) return SetText(key, text, config);
      return InvalidArgument("expected an integer from " + RangeText(key) +
                             ", got " + Quoted(text));
    }
    default:
      return SetText(key, text, config);
  }
}

std::string FormatValue(const KeyDef& key, Config config) {
  FieldRef field = key.field(config);
  if (auto* text = std::get_if<std::string*>(&field)) {
    return TomlString(**text);
  }
  if (auto* narrow = std::get_if<int*>(&field)) return std::to_string(**narrow);
  if (auto* wide = std::get_if<int64_t*>(&field)) return std::to_string(**wide);
  if (auto* flag = std::get_if<bool*>(&field)) return **flag ? "true" : "false";
  if (auto* ms = std::get_if<std::chrono::milliseconds*>(&field)) {
    return TomlString(FormatDuration(**ms));
  }
  if (auto* role = std::get_if<Role*>(&field)) {
    return TomlString((*key.choices)[static_cast<int>(**role)]);
  }
  if (auto* mode = std::get_if<DiscoveryMode*>(&field)) {
    return TomlString((*key.choices)[static_cast<int>(**mode)]);
  }
  if (auto* level = std::get_if<dim::log::Level*>(&field)) {
    return TomlString((*key.choices)[static_cast<int>(**level)]);
  }

  std::string list = "[";
  for (const std::string& item : *std::get<std::vector<std::string>*>(field)) {
    if (list.size() > 1) list += ", ";
    list += TomlString(item);
  }
  return list + "]";
}

}  // namespace dim::config::keys
