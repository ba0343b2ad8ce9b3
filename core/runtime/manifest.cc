#include "core/runtime/manifest.h"

#include <sys/stat.h>

#include <algorithm>

namespace dim::runtime {

namespace {

std::string Position(const std::string& path,
                     const toml::source_position& at) {
  return path + ":" + std::to_string(at.line) + ":" +
         std::to_string(at.column);
}

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<ManifestFile> ManifestFile::Parse(const std::string& path) {
  if (!IsFile(path)) return NotFound(path + ": no such file");

  ManifestFile file;
  file.path_ = path;
  try {
    file.root_ = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(Position(path, e.source().begin) + ": " +
                           std::string(e.description()));
  }
  return file;
}

Result<std::vector<const toml::table*>> ManifestFile::Section(
    const std::string& section) const {
  for (const auto& [key, value] : root_) {
    if (key.str() != section) {
      return ErrorAt(key.source(), "unknown key '" + std::string(key.str()) +
                                       "' (expected [[" + section + "]])");
    }
  }

  std::vector<const toml::table*> tables;
  const toml::node* node = root_.get(section);
  if (node == nullptr) return tables;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return ErrorAt(*node, "'" + section + "' must be written [[" + section +
                              "]]");
  }
  for (const toml::node& element : *array) {
    const toml::table* table = element.as_table();
    if (table == nullptr) {
      return ErrorAt(element, "each '" + section + "' must be a table");
    }
    tables.push_back(table);
  }
  return tables;
}

Status ManifestFile::ErrorAt(const toml::node& at,
                             const std::string& message) const {
  return ErrorAt(at.source(), message);
}

Status ManifestFile::ErrorAt(const toml::source_region& at,
                             const std::string& message) const {
  return InvalidArgument(Position(path_, at.begin) + ": " + message);
}

std::string ManifestFile::Dir() const {
  size_t slash = path_.rfind('/');
  return slash == std::string::npos ? "." : path_.substr(0, slash);
}

Status ManifestEntry::CheckKeys(const std::vector<std::string>& known) const {
  for (const auto& [key, value] : table_) {
    std::string name(key.str());
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return file_.ErrorAt(key.source(),
                           Label() + "unknown key '" + name + "'");
    }
  }
  return Status::Ok();
}

Result<std::string> ManifestEntry::String(const std::string& key,
                                          Presence presence) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) {
    if (presence == Presence::kOptional) return std::string();
    return ErrorAt(key, "missing '" + key + "'");
  }
  if (!node->is_string()) return ErrorAt(key, "'" + key + "' must be a string");
  std::string value = node->as_string()->get();
  if (value.empty()) return ErrorAt(key, "'" + key + "' is empty");
  return value;
}

Result<int64_t> ManifestEntry::Integer(const std::string& key,
                                       int64_t fallback) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return fallback;
  if (!node->is_integer()) {
    return ErrorAt(key, "'" + key + "' must be an integer");
  }
  return node->as_integer()->get();
}

Result<std::vector<int64_t>> ManifestEntry::IntegerArray(
    const std::string& key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return ErrorAt(key, "missing '" + key + "'");
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return ErrorAt(key, "'" + key + "' must be an array of integers");
  }

  std::vector<int64_t> values;
  for (const toml::node& element : *array) {
    if (!element.is_integer()) {
      return file_.ErrorAt(element, Label() + "'" + key +
                                        "' must hold only integers");
    }
    values.push_back(element.as_integer()->get());
  }
  return values;
}

Status ManifestEntry::ErrorAt(const std::string& key,
                              const std::string& message) const {
  const toml::node* node = table_.get(key);
  if (node != nullptr) return file_.ErrorAt(*node, Label() + message);
  return file_.ErrorAt(table_, Label() + message);
}

std::string ManifestEntry::Label() const {
  if (name_.empty()) return kind_ + ": ";
  return kind_ + " '" + name_ + "': ";
}

}  // namespace dim::runtime
