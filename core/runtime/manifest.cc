#include "core/runtime/manifest.h"

#include <sys/stat.h>

#include <algorithm>

namespace dim::runtime {
namespace {

using config::TomlValue;
using Type = TomlValue::Type;

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<ManifestFile> ManifestFile::Parse(const std::string& path) {
  if (!IsFile(path)) return NotFound(path + ": no such file");
  Result<std::string> text = config::ReadTextFile(path);
  if (!text.ok()) return text.status();
  Result<TomlValue> root = config::ParseToml(*text, path);
  if (!root.ok()) return root.status();

  ManifestFile file;
  file.path_ = path;
  file.root_ = std::move(*root);
  return file;
}

Result<std::vector<const TomlValue*>> ManifestFile::Section(
    const std::string& section) const {
  const TomlValue* found = nullptr;
  for (const auto& entry : root_.entries) {
    if (entry.key != section) {
      return ErrorAt(entry.position, "unknown key '" + entry.key +
                                         "' (expected [[" + section + "]])");
    }
    found = &entry.value;
  }

  std::vector<const TomlValue*> tables;
  if (found == nullptr) return tables;
  if (found->type != Type::kArray) {
    return ErrorAt(found->position, "'" + section +
                                        "' must be written [[" + section +
                                        "]]");
  }
  for (const TomlValue& element : found->items) {
    if (element.type != Type::kTable) {
      return ErrorAt(element.position,
                     "each '" + section + "' must be a table");
    }
    tables.push_back(&element);
  }
  return tables;
}

Status ManifestFile::ErrorAt(config::Position at,
                             const std::string& message) const {
  return InvalidArgument(path_ + ":" + std::to_string(at.line) + ":" +
                         std::to_string(at.column) + ": " + message);
}

config::Position ManifestFile::PositionOf(const TomlValue& table,
                                          const std::string& key) {
  for (const auto& entry : table.entries) {
    if (entry.key == key) return entry.value.position;
  }
  return table.position;
}

std::string ManifestFile::Dir() const {
  size_t slash = path_.rfind('/');
  return slash == std::string::npos ? "." : path_.substr(0, slash);
}

const TomlValue* ManifestEntry::Find(const std::string& key) const {
  // Manifests are small: a linear look-up keeps the file's order.
  for (const auto& entry : table_.entries) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

Status ManifestEntry::CheckKeys(const std::vector<std::string>& known) const {
  for (const auto& entry : table_.entries) {
    if (std::find(known.begin(), known.end(), entry.key) == known.end()) {
      return file_.ErrorAt(entry.position,
                           Label() + "unknown key '" + entry.key + "'");
    }
  }
  return Status::Ok();
}

Result<std::string> ManifestEntry::String(const std::string& key,
                                          Presence presence) const {
  const TomlValue* value = Find(key);
  if (value == nullptr) {
    if (presence == Presence::kOptional) return std::string();
    return ErrorAt(key, "missing '" + key + "'");
  }
  if (value->type != Type::kString) {
    return ErrorAt(key, "'" + key + "' must be a string");
  }
  if (value->string.empty()) return ErrorAt(key, "'" + key + "' is empty");
  return value->string;
}

Result<int64_t> ManifestEntry::Integer(const std::string& key,
                                       int64_t fallback) const {
  const TomlValue* value = Find(key);
  if (value == nullptr) return fallback;
  if (value->type != Type::kInteger) {
    return ErrorAt(key, "'" + key + "' must be an integer");
  }
  return value->integer;
}

Result<std::vector<int64_t>> ManifestEntry::IntegerArray(
    const std::string& key) const {
  const TomlValue* value = Find(key);
  if (value == nullptr) return ErrorAt(key, "missing '" + key + "'");
  if (value->type != Type::kArray) {
    return ErrorAt(key, "'" + key + "' must be an array of integers");
  }

  std::vector<int64_t> values;
  for (const TomlValue& element : value->items) {
    if (element.type != Type::kInteger) {
      return file_.ErrorAt(element.position, Label() + "'" + key +
                                                 "' must hold only integers");
    }
    values.push_back(element.integer);
  }
  return values;
}

Status ManifestEntry::ErrorAt(const std::string& key,
                              const std::string& message) const {
  return file_.ErrorAt(ManifestFile::PositionOf(table_, key),
                       Label() + message);
}

std::string ManifestEntry::Label() const {
  if (name_.empty()) return kind_ + ": ";
  return kind_ + " '" + name_ + "': ";
}

}  // namespace dim::runtime
