// Reading the TOML manifests of a node's folders (models.toml,
// datasets.toml): arrays of tables whose errors carry "path:line:column".
// Parsed with the same reader as dim.toml and job files. Internal to
// core/runtime.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/config/toml_reader.h"
#include "core/util/status.h"

namespace dim::runtime {

enum class Presence { kRequired, kOptional };

class ManifestFile {
 public:
  // A missing file is kNotFound; a file that is not TOML is
  // kInvalidArgument with the position of the first error.
  static Result<ManifestFile> Parse(const std::string& path);

  // The tables of `[[section]]`. Any other top-level key is an error, so
  // that a misspelt section does not silently empty the manifest.
  Result<std::vector<const config::TomlValue*>> Section(
      const std::string& section) const;

  // "path:line:column: message"
  Status ErrorAt(config::Position at, const std::string& message) const;
  // Where the value of `key` is written in `table`, or the table itself
  // when the key is absent.
  static config::Position PositionOf(const config::TomlValue& table,
                                     const std::string& key);

  const std::string& path() const { return path_; }
  // The folder holding the manifest; files in it are relative to it.
  std::string Dir() const;

 private:
  std::string path_;
  config::TomlValue root_;
};

// One table of a section, e.g. one [[model]]. Refers to the ManifestFile,
// which must outlive it.
class ManifestEntry {
 public:
  ManifestEntry(const ManifestFile& file, const config::TomlValue& table,
                std::string kind)
      : file_(file), table_(table), kind_(std::move(kind)) {}

  // Names the entry in later messages: "model 'risk-score': ...".
  void SetName(const std::string& name) { name_ = name; }

  Status CheckKeys(const std::vector<std::string>& known) const;
  Result<std::string> String(const std::string& key, Presence presence) const;
  Result<int64_t> Integer(const std::string& key, int64_t fallback) const;
  Result<std::vector<int64_t>> IntegerArray(const std::string& key) const;

  // An error at the value of `key`, or at the table when it is absent.
  Status ErrorAt(const std::string& key, const std::string& message) const;

 private:
  std::string Label() const;
  const config::TomlValue* Find(const std::string& key) const;

  const ManifestFile& file_;
  const config::TomlValue& table_;
  std::string kind_;
  std::string name_;
};

}  // namespace dim::runtime
