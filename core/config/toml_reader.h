// Reading TOML documents with positions, for dim.toml and job files.
//
// The document is parsed once by toml++ into a plain tree (TomlValue), so
// that toml_reader.cc is the only translation unit that compiles toml++.
// TableReader walks one table of that tree: it rejects unknown keys with
// their position and a suggestion, reads typed values, and formats every
// error as "source:line:column: field: message", where field is the dotted
// path of the key ("node.max_concurrent_tasks"). All functions return
// errors as kInvalidArgument unless stated otherwise; none throw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/status.h"

namespace dim::config {

// 1-based line and column in the source text.
struct Position {
  int line = 1;
  int column = 1;
};

struct TomlEntry;

struct TomlValue {
  enum class Type {
    kString,
    kInteger,
    kFloat,
    kBoolean,
    kArray,
    kTable,
    kDate,
    kTime,
    kDateTime,
  };

  Type type = Type::kTable;
  Position position;
  std::string string;
  int64_t integer = 0;
  double floating = 0;
  bool boolean = false;
  std::vector<TomlValue> items;     // kArray
  std::vector<TomlEntry> entries;   // kTable, in the order of the file
};

struct TomlEntry {
  std::string key;
  // Where the key itself is written; the value carries its own position.
  Position position;
  TomlValue value;
};

// "a string", "an integer", ...: the words used in "expected X, got Y".
const char* TypeName(TomlValue::Type type);

// Parses text into its root table. A syntax error is reported with
// toml++'s description at its position: "job.toml:3:9: <description>".
Result<TomlValue> ParseToml(std::string_view text,
                            const std::string& source_name);

// Reads a whole file. A missing file is kNotFound ("dim.toml: no such
// file"); any other failure to read is kInvalidArgument naming the path.
Result<std::string> ReadTextFile(const std::string& path);

// "source:line:column: field: message"; with an empty field the "field: "
// part is left out.
Status ErrorAt(const std::string& source, Position position,
               std::string_view field, std::string_view message);

// The entry of `known` nearest to `key` in edit distance, or "" when none
// is close enough to be a plausible typo.
std::string NearestKey(std::string_view key,
                       const std::vector<std::string_view>& known);

// A view of one table in a parsed document. Holds references to the table
// and the source name: both must outlive the reader. Getters leave *out
// untouched when the key is absent, so callers preset defaults.
class TableReader {
 public:
  // prefix is the dotted path of the table ("" for the root,
  // "chained.steps[1]" for an element of an array of tables).
  TableReader(const TomlValue& table, const std::string& source,
              std::string prefix);

  const TomlValue& table() const { return table_; }
  const std::string& source() const { return source_; }
  const std::string& prefix() const { return prefix_; }
  // The dotted path of key within this table.
  std::string Field(std::string_view key) const;

  const TomlEntry* Find(std::string_view key) const;
  // Fails on the first key (in file order) not in `known`, at the key's
  // position: "node.max_concurent_tasks: unknown key (did you mean
  // max_concurrent_tasks?)".
  Status CheckKeys(const std::vector<std::string_view>& known) const;

  // An error about the value of key: at the value's position.
  Status ValueError(const TomlEntry& entry, std::string_view message) const;
  // An error about one element of the value of key.
  Status ItemError(const TomlEntry& entry, const TomlValue& item,
                   std::string_view message) const;
  // "expected a string, got an integer" at the value's position.
  Status TypeError(const TomlEntry& entry, const TomlValue& value,
                   TomlValue::Type expected) const;
  // At the table's position: "collaborative: missing required key
  // 'model'"; for the root table "missing required key 'name'".
  Status MissingKey(std::string_view key) const;

  Status GetString(std::string_view key, std::string* out) const;
  Status GetBoolean(std::string_view key, bool* out) const;
  // The value must be an integer from lo to hi.
  Status GetInteger(std::string_view key, int64_t lo, int64_t hi,
                    int64_t* out) const;
  // The value must be an array whose elements are all strings.
  Status GetStringArray(std::string_view key,
                        std::vector<std::string>* out) const;
  // Like the above, but a missing key is an error.
  Status RequireString(std::string_view key, std::string* out) const;

  // The value of key if it is a table, or a type error. *out is nullptr
  // when the key is absent.
  Status GetTable(std::string_view key, const TomlValue** out) const;

 private:
  Status Expect(const TomlEntry& entry, TomlValue::Type type) const;

  const TomlValue& table_;
  const std::string& source_;
  std::string prefix_;
};

}  // namespace dim::config
