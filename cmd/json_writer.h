// A small streaming JSON writer for `-o json` output. Keys are written in
// the order given; numbers that are integers print without a fraction,
// others with the precision needed to read back the same double.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dim::cli {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(const std::string& key);
  JsonWriter& String(const std::string& value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  const std::string& str() const { return out_; }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: whether it has a member yet.
  std::vector<bool> has_member_;
  bool after_key_ = false;
};

std::string JsonQuote(const std::string& s);

}  // namespace dim::cli
