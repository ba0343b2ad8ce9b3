// A minimal JSON reader, enough for tests to check `-o json` output.
// Throws std::runtime_error on malformed input or a missing member.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace dim::testing {

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;

  const Json& operator[](const std::string& key) const;
  const Json& operator[](size_t index) const;
  bool Has(const std::string& key) const { return object.count(key) > 0; }
  size_t size() const { return type == Type::kArray ? array.size()
                                                    : object.size(); }
  std::vector<double> Numbers() const;  // an array of numbers
};

Json ParseJson(const std::string& text);

}  // namespace dim::testing
