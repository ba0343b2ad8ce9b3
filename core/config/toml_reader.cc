#include "core/config/toml_reader.h"

#include "core/util/text.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <toml++/toml.h>

namespace dim::config {
namespace {

using Type = TomlValue::Type;

Position PositionOf(const toml::source_region& region) {
  Position p;
  p.line = static_cast<int>(std::max<toml::source_index>(region.begin.line, 1));
  p.column =
      static_cast<int>(std::max<toml::source_index>(region.begin.column, 1));
  return p;
}

bool Before(const TomlEntry& a, const TomlEntry& b) {
  if (a.position.line != b.position.line) {
    return a.position.line < b.position.line;
  }
  return a.position.column < b.position.column;
}

TomlValue Convert(const toml::node& node);

TomlValue ConvertTable(const toml::table& table) {
  TomlValue out;
  out.type = Type::kTable;
  for (const auto& [key, value] : table) {
    out.entries.push_back(
        {std::string(key.str()), PositionOf(key.source()), Convert(value)});
  }
  // toml++ keeps keys sorted by name; messages should follow the file.
  std::stable_sort(out.entries.begin(), out.entries.end(), Before);
  return out;
}

TomlValue Convert(const toml::node& node) {
  TomlValue out;
  if (const auto* table = node.as_table()) {
    out = ConvertTable(*table);
  } else if (const auto* array = node.as_array()) {
    out.type = Type::kArray;
    for (const auto& item : *array) out.items.push_back(Convert(item));
  } else if (const auto* s = node.as_string()) {
    out.type = Type::kString;
    out.string = s->get();
  } else if (const auto* i = node.as_integer()) {
    out.type = Type::kInteger;
    out.integer = i->get();
  } else if (const auto* f = node.as_floating_point()) {
    out.type = Type::kFloat;
    out.floating = f->get();
  } else if (const auto* b = node.as_boolean()) {
    out.type = Type::kBoolean;
    out.boolean = b->get();
  } else if (node.is_date()) {
    out.type = Type::kDate;
  } else if (node.is_time()) {
    out.type = Type::kTime;
  } else {
    out.type = Type::kDateTime;
  }
  out.position = PositionOf(node.source());
  return out;
}

}  // namespace

const char* TypeName(Type type) {
  switch (type) {
    case Type::kString: return "a string";
    case Type::kInteger: return "an integer";
    case Type::kFloat: return "a float";
    case Type::kBoolean: return "a boolean";
    case Type::kArray: return "an array";
    case Type::kTable: return "a table";
    case Type::kDate: return "a date";
    case Type::kTime: return "a time";
    case Type::kDateTime: return "a date-time";
  }
  return "a value";
}

Result<TomlValue> ParseToml(std::string_view text,
                            const std::string& source_name) {
  try {
    toml::table root = toml::parse(text, std::string_view(source_name));
    TomlValue out = ConvertTable(root);
    out.position = Position{};
    return out;
  } catch (const toml::parse_error& e) {
    return ErrorAt(source_name, PositionOf(e.source()), "", e.description());
  }
}

Result<std::string> ReadTextFile(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"),
                                             &std::fclose);
  if (!file) {
    int error = errno;
    if (error == ENOENT) return NotFound(path + ": no such file");
    return InvalidArgument(path + ": cannot open: " + std::strerror(error));
  }

  std::string text;
  char buffer[8192];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    text.append(buffer, n);
  }
  if (std::ferror(file.get())) {
    return InvalidArgument(path + ": cannot read: " + std::strerror(errno));
  }
  return text;
}

Status ErrorAt(const std::string& source, Position position,
               std::string_view field, std::string_view message) {
  std::string text = source + ":" + std::to_string(position.line) + ":" +
                     std::to_string(position.column) + ": ";
  if (!field.empty()) text.append(field).append(": ");
  text.append(message);
  return InvalidArgument(std::move(text));
}

std::string NearestKey(std::string_view key,
                       const std::vector<std::string_view>& known) {
  std::string_view best;
  size_t best_distance = std::max<size_t>(2, key.size() / 4) + 1;
  for (std::string_view candidate : known) {
    size_t d = EditDistance(key, candidate);
    if (d < best_distance && d < key.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return std::string(best);
}

TableReader::TableReader(const TomlValue& table, const std::string& source,
                         std::string prefix)
    : table_(table), source_(source), prefix_(std::move(prefix)) {}

std::string TableReader::Field(std::string_view key) const {
  if (prefix_.empty()) return std::string(key);
  return prefix_ + "." + std::string(key);
}

const TomlEntry* TableReader::Find(std::string_view key) const {
  for (const TomlEntry& entry : table_.entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

Status TableReader::CheckKeys(
    const std::vector<std::string_view>& known) const {
  for (const TomlEntry& entry : table_.entries) {
    if (std::find(known.begin(), known.end(), entry.key) != known.end()) {
      continue;
    }
    std::string message = "unknown key";
    std::string nearest = NearestKey(entry.key, known);
    if (!nearest.empty()) message += " (did you mean " + nearest + "?)";
    return ErrorAt(source_, entry.position, Field(entry.key), message);
  }
  return Status::Ok();
}

Status TableReader::ValueError(const TomlEntry& entry,
                               std::string_view message) const {
  return ErrorAt(source_, entry.value.position, Field(entry.key), message);
}

Status TableReader::ItemError(const TomlEntry& entry, const TomlValue& item,
                              std::string_view message) const {
  return ErrorAt(source_, item.position, Field(entry.key), message);
}

Status TableReader::TypeError(const TomlEntry& entry, const TomlValue& value,
                              TomlValue::Type expected) const {
  std::string message = std::string("expected ") + TypeName(expected) +
                        ", got " + TypeName(value.type);
  return ItemError(entry, value, message);
}

Status TableReader::MissingKey(std::string_view key) const {
  std::string message = "missing required key '" + std::string(key) + "'";
  return ErrorAt(source_, table_.position, prefix_, message);
}

Status TableReader::Expect(const TomlEntry& entry, Type type) const {
  if (entry.value.type == type) return Status::Ok();
  return TypeError(entry, entry.value, type);
}

Status TableReader::GetString(std::string_view key, std::string* out) const {
  const TomlEntry* entry = Find(key);
  if (entry == nullptr) return Status::Ok();
  DIM_RETURN_IF_ERROR(Expect(*entry, Type::kString));
  *out = entry->value.string;
  return Status::Ok();
}

Status TableReader::RequireString(std::string_view key,
                                  std::string* out) const {
  if (Find(key) == nullptr) return MissingKey(key);
  return GetString(key, out);
}

Status TableReader::GetBoolean(std::string_view key, bool* out) const {
  const TomlEntry* entry = Find(key);
  if (entry == nullptr) return Status::Ok();
  DIM_RETURN_IF_ERROR(Expect(*entry, Type::kBoolean));
  *out = entry->value.boolean;
  return Status::Ok();
}

Status TableReader::GetInteger(std::string_view key, int64_t lo, int64_t hi,
                               int64_t* out) const {
  const TomlEntry* entry = Find(key);
  if (entry == nullptr) return Status::Ok();
  DIM_RETURN_IF_ERROR(Expect(*entry, Type::kInteger));

  int64_t value = entry->value.integer;
  if (value < lo || value > hi) {
    return ValueError(*entry, "expected an integer from " +
                                  std::to_string(lo) + " to " +
                                  std::to_string(hi) + ", got " +
                                  std::to_string(value));
  }
  *out = value;
  return Status::Ok();
}

Status TableReader::GetStringArray(std::string_view key,
                                   std::vector<std::string>* out) const {
  const TomlEntry* entry = Find(key);
  if (entry == nullptr) return Status::Ok();
  DIM_RETURN_IF_ERROR(Expect(*entry, Type::kArray));

  std::vector<std::string> strings;
  for (const TomlValue& item : entry->value.items) {
    if (item.type != Type::kString) {
      return TypeError(*entry, item, Type::kString);
    }
    strings.push_back(item.string);
  }
  *out = std::move(strings);
  return Status::Ok();
}

Status TableReader::GetTable(std::string_view key,
                             const TomlValue** out) const {
  *out = nullptr;
  const TomlEntry* entry = Find(key);
  if (entry == nullptr) return Status::Ok();
  DIM_RETURN_IF_ERROR(Expect(*entry, Type::kTable));
  *out = &entry->value;
  return Status::Ok();
}

}  // namespace dim::config
