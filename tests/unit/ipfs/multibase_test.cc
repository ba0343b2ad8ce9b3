#include "core/ipfs/multibase.h"

#include <gtest/gtest.h>

#include <random>

namespace dim::ipfs {
namespace {

std::string AllByteValues() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

TEST(IpfsMultibase, DecodesRfc4648Vectors) {
  // RFC 4648 section 10, with the padding removed.
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},         {"f", "Zg"},         {"fo", "Zm8"},
      {"foo", "Zm9v"},  {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : kVectors) {
    Result<std::string> decoded = DecodeBase64Url(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded << ": " << decoded.status().message();
    EXPECT_EQ(*decoded, plain);
    EXPECT_EQ(EncodeBase64Url(plain), encoded);
  }
}

TEST(IpfsMultibase, UsesTheUrlAlphabet) {
  EXPECT_EQ(EncodeBase64Url("\xfb\xff"), "-_8");
  Result<std::string> decoded = DecodeBase64Url("-_8");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "\xfb\xff");
}

TEST(IpfsMultibase, DecodesWhatKuboPrints) {
  // From `ipfs pubsub sub --enc=json` on Kubo 0.43.1.
  Result<std::string> data = DecodeMultibase("uYQBi");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, std::string("a\0b", 3));
  Result<std::string> topic = DecodeMultibase("udDE");
  ASSERT_TRUE(topic.ok());
  EXPECT_EQ(*topic, "t1");
  Result<std::string> empty = DecodeMultibase("u");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(IpfsMultibase, RoundTripsEveryByteValueAndLength) {
  std::string all = AllByteValues();
  Result<std::string> decoded = DecodeMultibase(EncodeMultibase(all));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, all);

  std::mt19937 random(42);
  for (size_t length = 0; length < 100; ++length) {
    std::string bytes;
    for (size_t i = 0; i < length; ++i) {
      bytes.push_back(static_cast<char>(random() & 0xff));
    }
    Result<std::string> back = DecodeMultibase(EncodeMultibase(bytes));
    ASSERT_TRUE(back.ok()) << "length " << length;
    EXPECT_EQ(*back, bytes) << "length " << length;
  }
}

TEST(IpfsMultibase, RejectsOtherBases) {
  for (const char* text : {"", "mYQ", "UYQ==", "zabc", "YQ"}) {
    Result<std::string> decoded = DecodeMultibase(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.status().code(), Code::kInvalidArgument);
  }
  EXPECT_NE(DecodeMultibase("mYQ").status().message().find("'m'"),
            std::string::npos);
  EXPECT_NE(DecodeMultibase(std::string("\x01YQ", 3))
                .status().message().find("0x01"),
            std::string::npos);
}

TEST(IpfsMultibase, RejectsMalformedBase64Url) {
  const char* kBad[] = {
      "uYQ=",    // padding
      "uY",      // one character cannot hold a byte
      "uYQBiY",  // ... nor can a group that ends in one
      "uYR",     // non-zero bits after the last byte
      "uYQ+i",   // standard alphabet, not URL
      "uYQ/i",   "uYQ i", "uYQ\n"};
  for (const char* text : kBad) {
    Result<std::string> decoded = DecodeMultibase(text);
    EXPECT_FALSE(decoded.ok()) << text;
  }
  Result<std::string> plus = DecodeMultibase("uYQ+i");
  EXPECT_NE(plus.status().message().find("'+' at offset 2"),
            std::string::npos)
      << plus.status().message();
  Result<std::string> nul = DecodeMultibase(std::string("uYQ\0i", 5));
  EXPECT_NE(nul.status().message().find("byte 0x00"), std::string::npos)
      << nul.status().message();
}

TEST(IpfsMultibase, RejectsEveryCharacterOutsideTheAlphabet) {
  std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int c = 0; c < 256; ++c) {
    std::string text = "uAAA";  // a whole group: no leftover bits
    text.push_back(static_cast<char>(c));
    bool valid = alphabet.find(static_cast<char>(c)) != std::string::npos;
    EXPECT_EQ(DecodeMultibase(text).ok(), valid) << "character " << c;
  }
}

}  // namespace
}  // namespace dim::ipfs
