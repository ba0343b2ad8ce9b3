#include "core/ipfs/json_line.h"

#include <cstdint>

namespace dim::ipfs {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 when
// it is malformed: overlong forms, surrogates and values past U+10FFFF are
// all rejected (RFC 3629).
size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(0);
  size_t n = b0 < 0x80 ? 1 : b0 >= 0xc2 && b0 <= 0xdf ? 2
           : b0 >= 0xe0 && b0 <= 0xef ? 3 : b0 >= 0xf0 && b0 <= 0xf4 ? 4
           : 0;
  if (n == 0 || s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return 0;
  }
  unsigned char b1 = byte(1 % n);
  if (b0 == 0xe0 && b1 < 0xa0) return 0;  // overlong
  if (b0 == 0xed && b1 > 0x9f) return 0;  // surrogate
  if (b0 == 0xf0 && b1 < 0x90) return 0;  // overlong
  if (b0 == 0xf4 && b1 > 0x8f) return 0;  // past U+10FFFF
  return n;
}

class Parser {
 public:
  Parser(std::string_view text, const FlatJsonLimits& limits)
      : text_(text), limits_(limits) {}

  Result<FlatJson> Object();

 private:
  Status Error(const std::string& what) const {
    return InvalidArgument("JSON: " + what + " at offset " +
                           std::to_string(pos_));
  }
  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  Status Member(FlatJson* out);
  Status StringArray(std::vector<std::string>* out);
  Status String(std::string* out);
  Status Escape(std::string* out);
  Status HexQuad(uint32_t* out);

  std::string_view text_;
  const FlatJsonLimits& limits_;
  size_t pos_ = 0;
};

Result<FlatJson> Parser::Object() {
  if (text_.size() > limits_.max_bytes) {
    return InvalidArgument("JSON: line of " + std::to_string(text_.size()) +
                           " bytes is over the limit of " +
                           std::to_string(limits_.max_bytes));
  }
  if (!Consume('{')) return Error("expected '{'");
  FlatJson out;
  if (!Consume('}')) {
    do {
      DIM_RETURN_IF_ERROR(Member(&out));
    } while (Consume(','));
    if (!Consume('}')) return Error("expected ',' or '}'");
  }
  SkipSpace();
  if (pos_ != text_.size()) return Error("unexpected text after the object");
  return out;
}

Status Parser::Member(FlatJson* out) {
  if (out->strings.size() + out->arrays.size() >= limits_.max_members) {
    return Error("more than " + std::to_string(limits_.max_members) +
                 " members");
  }
  SkipSpace();
  size_t key_at = pos_;
  std::string key;
  DIM_RETURN_IF_ERROR(String(&key));
  if (out->strings.count(key) || out->arrays.count(key)) {
    pos_ = key_at;
    return Error("duplicate key");
  }
  if (!Consume(':')) return Error("expected ':'");
  if (Peek('[')) return StringArray(&out->arrays[key]);
  return String(&out->strings[key]);
}

Status Parser::StringArray(std::vector<std::string>* out) {
  Consume('[');
  if (Consume(']')) return Status::Ok();
  do {
    if (out->size() >= limits_.max_array_items) {
      return Error("more than " + std::to_string(limits_.max_array_items) +
                   " array items");
    }
    out->emplace_back();
    DIM_RETURN_IF_ERROR(String(&out->back()));
  } while (Consume(','));
  if (!Consume(']')) return Error("expected ',' or ']'");
  return Status::Ok();
}

Status Parser::String(std::string* out) {
  if (!Consume('"')) return Error("expected a string");
  while (pos_ < text_.size()) {
    unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') {
      ++pos_;
      return Status::Ok();
    }
    if (c == '\\') {
      DIM_RETURN_IF_ERROR(Escape(out));
    } else if (c < 0x20) {
      return Error("control character in a string");
    } else {
      size_t n = Utf8SequenceLength(text_.substr(pos_));
      if (n == 0) return Error("invalid UTF-8");
      out->append(text_.substr(pos_, n));
      pos_ += n;
    }
  }
  return Error("unterminated string");
}

Status Parser::Escape(std::string* out) {
  ++pos_;  // the backslash
  if (pos_ >= text_.size()) return Error("unterminated escape");
  char c = text_[pos_++];
  switch (c) {
    case '"': case '\\': case '/': out->push_back(c); return Status::Ok();
    case 'b': out->push_back('\b'); return Status::Ok();
    case 'f': out->push_back('\f'); return Status::Ok();
    case 'n': out->push_back('\n'); return Status::Ok();
    case 'r': out->push_back('\r'); return Status::Ok();
    case 't': out->push_back('\t'); return Status::Ok();
    case 'u': break;
    default: --pos_; return Error("invalid escape");
  }
  uint32_t cp = 0;
  DIM_RETURN_IF_ERROR(HexQuad(&cp));
  if (cp >= 0xdc00 && cp <= 0xdfff) return Error("lone low surrogate");
  if (cp >= 0xd800 && cp <= 0xdbff) {
    // A high surrogate must be followed by an escaped low one.
    uint32_t low = 0;
    if (text_.substr(pos_, 2) != "\\u") return Error("lone high surrogate");
    pos_ += 2;
    DIM_RETURN_IF_ERROR(HexQuad(&low));
    if (low < 0xdc00 || low > 0xdfff) return Error("lone high surrogate");
    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
  }
  AppendUtf8(cp, out);
  return Status::Ok();
}

Status Parser::HexQuad(uint32_t* out) {
  if (text_.size() - pos_ < 4) return Error("short \\u escape");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    int h = HexValue(text_[pos_]);
    if (h < 0) return Error("invalid hex digit in \\u escape");
    v = (v << 4) | static_cast<uint32_t>(h);
    ++pos_;
  }
  *out = v;
  return Status::Ok();
}

}  // namespace

Result<FlatJson> ParseFlatJson(std::string_view text,
                               const FlatJsonLimits& limits) {
  return Parser(text, limits).Object();
}

}  // namespace dim::ipfs
