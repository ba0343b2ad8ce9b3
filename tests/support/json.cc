#include "tests/support/json.h"

#include <cstdlib>
#include <stdexcept>

namespace dim::testing {
namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Json ParseDocument() {
    Json value = ParseValue();
    SkipSpace();
    if (pos_ != s_.size()) Fail("trailing characters");
    return value;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) {
    throw std::runtime_error("JSON: " + what + " at offset " +
                             std::to_string(pos_) + " in: " +
                             s_.substr(0, 200));
  }

  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) {
      ++pos_;
    }
  }

  bool Consume(const std::string& word) {
    if (s_.compare(pos_, word.size(), word) != 0) return false;
    pos_ += word.size();
    return true;
  }

  std::string ParseString() {
    if (s_[pos_] != '"') Fail("expected a string");
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) Fail("bad escape");
      char e = s_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'u':
          out += static_cast<char>(std::strtol(s_.substr(pos_, 4).c_str(),
                                               nullptr, 16));
          pos_ += 4;
          break;
        default: out += e;
      }
    }
    if (pos_ >= s_.size()) Fail("unterminated string");
    ++pos_;
    return out;
  }

  Json ParseValue() {
    SkipSpace();
    if (pos_ >= s_.size()) Fail("unexpected end");
    Json v;
    char c = s_[pos_];
    if (c == '{') {
      v.type = Json::Type::kObject;
      ++pos_;
      SkipSpace();
      if (Consume("}")) return v;
      do {
        SkipSpace();
        std::string key = ParseString();
        SkipSpace();
        if (!Consume(":")) Fail("expected ':'");
        v.object[key] = ParseValue();
        SkipSpace();
      } while (Consume(","));
      if (!Consume("}")) Fail("expected '}'");
    } else if (c == '[') {
      v.type = Json::Type::kArray;
      ++pos_;
      SkipSpace();
      if (Consume("]")) return v;
      do {
        v.array.push_back(ParseValue());
        SkipSpace();
      } while (Consume(","));
      if (!Consume("]")) Fail("expected ']'");
    } else if (c == '"') {
      v.type = Json::Type::kString;
      v.string = ParseString();
    } else if (Consume("true")) {
      v.type = Json::Type::kBool;
      v.boolean = true;
    } else if (Consume("false")) {
      v.type = Json::Type::kBool;
    } else if (Consume("null")) {
      v.type = Json::Type::kNull;
    } else {
      char* end = nullptr;
      v.type = Json::Type::kNumber;
      v.number = std::strtod(s_.c_str() + pos_, &end);
      if (end == s_.c_str() + pos_) Fail("unexpected character");
      pos_ = end - s_.c_str();
    }
    return v;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace

const Json& Json::operator[](const std::string& key) const {
  auto it = object.find(key);
  if (type != Type::kObject || it == object.end()) {
    throw std::runtime_error("JSON: no member '" + key + "'");
  }
  return it->second;
}

const Json& Json::operator[](size_t index) const {
  if (type != Type::kArray || index >= array.size()) {
    throw std::runtime_error("JSON: no element " + std::to_string(index));
  }
  return array[index];
}

std::vector<double> Json::Numbers() const {
  std::vector<double> out;
  for (const auto& v : array) out.push_back(v.number);
  return out;
}

Json ParseJson(const std::string& text) { return Parser(text).ParseDocument(); }

}  // namespace dim::testing
