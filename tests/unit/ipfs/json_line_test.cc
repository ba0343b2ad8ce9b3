#include "core/ipfs/json_line.h"

#include <gtest/gtest.h>

#include "core/ipfs/pubsub_line.h"

namespace dim::ipfs {
namespace {

// A line as Kubo 0.43.1 prints it for the message "a\0b" on topic "t1".
constexpr char kKuboLine[] =
    "{\"from\":\"12D3KooWBCFTFUq9cWF2v4ixp8RsHZwHzvRTddYKkYfwy7QpWZpb\","
    "\"data\":\"uYQBi\",\"seqno\":\"uGO3UNtVG9N0\",\"topicIDs\":[\"udDE\"]}";

TEST(IpfsJsonLine, ParsesKubosPubsubLine) {
  Result<FlatJson> json = ParseFlatJson(std::string(kKuboLine) + "\n");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(json->strings.at("data"), "uYQBi");
  EXPECT_EQ(json->strings.at("seqno"), "uGO3UNtVG9N0");
  ASSERT_EQ(json->arrays.at("topicIDs").size(), 1u);
  EXPECT_EQ(json->arrays.at("topicIDs")[0], "udDE");
  EXPECT_EQ(json->strings.size(), 3u);
}

TEST(IpfsJsonLine, AcceptsWhitespaceAndEmptyContainers) {
  Result<FlatJson> json = ParseFlatJson(
      " \t{ \"a\" : [ ] , \"b\":\"\" ,\"c\":[\"x\" , \"y\"] }\r\n");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_TRUE(json->arrays.at("a").empty());
  EXPECT_EQ(json->strings.at("b"), "");
  EXPECT_EQ(json->arrays.at("c"), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(ParseFlatJson("{}").ok());
}

TEST(IpfsJsonLine, DecodesEscapes) {
  Result<FlatJson> json = ParseFlatJson(
      R"({"e":"\"\\\/\b\f\n\r\t","u":"\u00e9\u0000\ud83d\ude00"})");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(json->strings.at("e"), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(json->strings.at("u"),
            std::string("\xc3\xa9\0\xf0\x9f\x98\x80", 7));
}

TEST(IpfsJsonLine, KeepsValidUtf8) {
  Result<FlatJson> json = ParseFlatJson("{\"k\":\"h\xc3\xa9 \xe2\x82\xac "
                                        "\xf0\x9f\x98\x80\"}");
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(json->strings.at("k"), "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(IpfsJsonLine, RejectsWhatIsNotAFlatObjectOfStrings) {
  const char* kBad[] = {
      "", " ", "{", "}", "[]", "\"a\"", "null",
      R"({"a":1})", R"({"a":true})", R"({"a":null})", R"({"a":{}})",
      R"({"a":[1]})", R"({"a":[["x"]]})", R"({"a":["x",]})",
      R"({"a":"x",})", R"({"a" "x"})", R"({a:"x"})", R"({'a':'x'})",
      R"({"a":"x"}{})", R"({"a":"x"} x)", R"({"a":"x","a":"y"})",
      R"({"a":"x","a":[]})", R"({"a":"x)", R"({"a":"\x"})",
      R"({"a":"\u12"})", R"({"a":"\u12g4"})", R"({"a":"\ud800"})",
      R"({"a":"\ud800\u0041"})", R"({"a":"\udc00"})", R"({"a":"x\)"};
  for (const char* text : kBad) {
    EXPECT_FALSE(ParseFlatJson(text).ok()) << text;
  }
}

TEST(IpfsJsonLine, RejectsControlCharactersAndInvalidUtf8) {
  const std::string kBad[] = {
      std::string("{\"a\":\"x\ny\"}"),
      std::string("{\"a\":\"\0\"}", 8),
      "{\"a\":\"\xff\"}",              // never valid
      "{\"a\":\"\xc0\x80\"}",          // overlong NUL
      "{\"a\":\"\xe0\x80\x80\"}",      // overlong
      "{\"a\":\"\xed\xa0\x80\"}",      // encoded surrogate
      "{\"a\":\"\xf4\x90\x80\x80\"}",  // past U+10FFFF
      "{\"a\":\"\xe2\x82\"}",          // truncated sequence
      "{\"a\":\"\x80\"}"};             // stray continuation byte
  for (const std::string& text : kBad) {
    EXPECT_FALSE(ParseFlatJson(text).ok()) << text;
  }
}

TEST(IpfsJsonLine, ErrorsSayWhere) {
  Result<FlatJson> json = ParseFlatJson(R"({"a":1})");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(json.status().message(), "JSON: expected a string at offset 5");
}

TEST(IpfsJsonLine, EnforcesLimits) {
  FlatJsonLimits limits;
  limits.max_members = 2;
  limits.max_array_items = 2;
  limits.max_bytes = 40;
  EXPECT_TRUE(ParseFlatJson(R"({"a":"","b":["x","y"]})", limits).ok());
  EXPECT_FALSE(ParseFlatJson(R"({"a":"","b":"","c":""})", limits).ok());
  EXPECT_FALSE(ParseFlatJson(R"({"b":["x","y","z"]})", limits).ok());
  Result<FlatJson> long_line =
      ParseFlatJson("{\"a\":\"" + std::string(40, 'x') + "\"}", limits);
  ASSERT_FALSE(long_line.ok());
  EXPECT_NE(long_line.status().message().find("over the limit"),
            std::string::npos);
}

// Every truncation and every single-byte change of a real line must give
// a clean answer (a sanitizer build checks that nothing is read out of
// bounds); this is a small, fixed precursor of the fuzz target.
TEST(IpfsJsonLine, SurvivesTruncationAndByteChanges) {
  const std::string line = kKuboLine;
  for (size_t n = 0; n < line.size(); ++n) {
    EXPECT_FALSE(ParseFlatJson(line.substr(0, n)).ok()) << n;
    EXPECT_FALSE(ParsePubsubLine(line.substr(0, n)).ok()) << n;
  }
  size_t parsed = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    for (int b = 0; b < 256; b += 7) {
      std::string changed = line;
      changed[i] = static_cast<char>(b);
      parsed += ParsePubsubLine(changed).ok();
    }
  }
  EXPECT_GT(parsed, 0u);  // some changes stay valid, e.g. inside "from"
}

TEST(IpfsPubsubLine, DecodesAMessage) {
  Result<Message> message = ParsePubsubLine(kKuboLine);
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(message->from,
            "12D3KooWBCFTFUq9cWF2v4ixp8RsHZwHzvRTddYKkYfwy7QpWZpb");
  EXPECT_EQ(message->data, std::string("a\0b", 3));
  EXPECT_EQ(message->seqno, "\x18\xed\xd4\x36\xd5\x46\xf4\xdd");
}

TEST(IpfsPubsubLine, ToleratesMissingSeqnoAndUnknownMembers) {
  Result<Message> message = ParsePubsubLine(
      R"({"from":"p","data":"u","extra":"x","more":["y"]})");
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(message->data, "");
  EXPECT_EQ(message->seqno, "");
}

TEST(IpfsPubsubLine, NamesTheMemberAtFault) {
  struct Case {
    const char* line;
    const char* expected;
  };
  const Case kCases[] = {
      {R"({"from":"p"})", "no string \"data\""},
      {R"({"data":"u"})", "no string \"from\""},
      {R"({"from":"p","data":["u"]})", "no string \"data\""},
      {R"({"from":"p","data":"YQ"})", "\"data\": unsupported multibase"},
      {R"({"from":"p","data":"uY"})", "\"data\": invalid base64url length"},
      {R"({"from":"p","data":"u","seqno":"u*"})", "\"seqno\": invalid"},
  };
  for (const Case& c : kCases) {
    Result<Message> message = ParsePubsubLine(c.line);
    ASSERT_FALSE(message.ok()) << c.line;
    EXPECT_NE(message.status().message().find(c.expected), std::string::npos)
        << c.line << " -> " << message.status().message();
  }
}

}  // namespace
}  // namespace dim::ipfs
