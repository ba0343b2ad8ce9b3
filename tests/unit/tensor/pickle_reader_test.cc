#include "core/tensor/pickle_reader.h"

#include <gtest/gtest.h>

namespace dim::tensor::pickle {
namespace {

using Kind = Value::Kind;

using namespace std::string_literals;

Result<ValuePtr> ParseBytes(const std::string& bytes,
                            Options options = Options()) {
  return Parse(bytes, options);
}

void ExpectError(const std::string& bytes, const std::string& fragment,
                 Options options = Options()) {
  Result<ValuePtr> v = ParseBytes(bytes, options);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
  EXPECT_NE(v.status().message().find(fragment), std::string::npos)
      << v.status().message();
}

TEST(PickleReaderTest, ReadsIntegersOfEveryWidth) {
  // BININT1, BININT2, BININT, then LONG1 of one, zero and five bytes.
  std::string pickle = "\x80\x02("s + "K\xff"s + "M\x01\x02"s +
                       "J\xfe\xff\xff\xff"s + "\x8a\x01\xff"s + "\x8a\x00"s +
                       "\x8a\x05\x00\x00\x00\x00\x01"s + "t."s;
  Result<ValuePtr> v = ParseBytes(pickle);
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ((*v)->kind, Kind::kTuple);
  std::vector<int64_t> ints;
  for (const ValuePtr& item : (*v)->items) ints.push_back(item->integer);
  EXPECT_EQ(ints, (std::vector<int64_t>{255, 0x0201, -2, -1, 0,
                                        int64_t{1} << 32}));
}

TEST(PickleReaderTest, ReadsStringsFloatsAndConstants) {
  // (BINUNICODE 'cpu', (SHORT_BINUNICODE 'hi', BINFLOAT 1.5, None),
  //  True, False)
  std::string pickle = "\x80\x02("s + "X\x03\x00\x00\x00" "cpu"s +
                       "\x8c\x02hi"s + "G\x3f\xf8\x00\x00\x00\x00\x00\x00"s +
                       "N\x87"s + "\x88\x89t."s;
  Result<ValuePtr> v = ParseBytes(pickle);
  ASSERT_TRUE(v.ok()) << v.status().message();
  const auto& outer = (*v)->items;
  ASSERT_EQ(outer.size(), 4u);
  EXPECT_EQ(outer[0]->text, "cpu");
  const auto& inner = outer[1]->items;
  ASSERT_EQ(inner.size(), 3u);
  EXPECT_EQ(inner[0]->text, "hi");
  EXPECT_DOUBLE_EQ(inner[1]->real, 1.5);
  EXPECT_EQ(inner[2]->kind, Kind::kNone);
  EXPECT_TRUE(outer[2]->flag);
  EXPECT_EQ(outer[3]->kind, Kind::kBool);
  EXPECT_FALSE(outer[3]->flag);
}

TEST(PickleReaderTest, ListInMemoGrowsAsInPython) {
  // EMPTY_LIST, BINPUT 0, APPEND 1; BINGET 0, APPEND 2: both references
  // are the same list, which now holds two items.
  std::string pickle = "\x80\x02]q\x00"s + "K\x01" "a"s + "h\x00"s +
                       "K\x02" "a"s + "\x86."s;
  Result<ValuePtr> v = ParseBytes(pickle);
  ASSERT_TRUE(v.ok()) << v.status().message();
  const auto& pair = (*v)->items;
  EXPECT_EQ(pair[0], pair[1]);
  EXPECT_EQ(pair[0]->items.size(), 2u);
}

TEST(PickleReaderTest, RejectsAnythingThatCouldFormACycle) {
  ExpectError("]q\x00h\x00" "a."s, "cannot hold itself");
  // TUPLE1 puts the list inside a tuple; growing it afterwards is refused.
  ExpectError("]q\x00\x85h\x00K\x01" "a."s, "after storing it");
}

TEST(PickleReaderTest, BuildsDictsAndCallsOfAllowedGlobals) {
  Options options;
  options.allowed_globals = {"collections.OrderedDict"};
  std::string pickle = "\x80\x02" "ccollections\nOrderedDict\n"
                       ")R}(K\x01K\x02K\x03K\x04u\x86.";
  Result<ValuePtr> v = ParseBytes(pickle, options);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ((*v)->items[0]->kind, Kind::kCall);
  EXPECT_EQ((*v)->items[0]->text, "collections.OrderedDict");
  EXPECT_EQ((*v)->items[1]->kind, Kind::kDict);
  EXPECT_EQ((*v)->items[1]->items.size(), 4u);
}

TEST(PickleReaderTest, RejectsGlobalNotAllowedNamingIt) {
  ExpectError("\x80\x02" "cos\nsystem\n.", "'os.system'");
}

TEST(PickleReaderTest, RejectsUnsupportedOpcodeNamingIt) {
  ExpectError("\x80\x02" "K\x01K\x02" "b.", "BUILD (0x62)");
  ExpectError("\x80\x02" "\xff.", "unknown opcode 0xff");
}

TEST(PickleReaderTest, RejectsTruncatedPickles) {
  ExpectError("\x80\x02" "K\x01", "ends before STOP");
  ExpectError("\x80\x02X\x10\x00\x00\x00" "abc"s, "ends inside");
  ExpectError("\x80\x02" "ctorch\n", "unterminated");
}

TEST(PickleReaderTest, RejectsStructuralErrors) {
  ExpectError(".", "empty stack");
  ExpectError("t.", "no MARK");
  ExpectError("h\x05.", "never stored");
  ExpectError("(.", "empty stack");
  ExpectError("K\x01K\x02R.", "REDUCE needs a global");
  ExpectError("K\x01K\x02" "a.", "no list");
}

TEST(PickleReaderTest, RejectsDeepNesting) {
  std::string pickle = "K\x01";
  for (int i = 0; i < 100; ++i) pickle += "\x85";
  ExpectError(pickle + ".", "nest too deeply");
}

TEST(PickleReaderTest, RejectsOversizedContainersAndStacks) {
  Options options;
  options.max_items = 3;
  ExpectError("(K\x01K\x01K\x01K\x01t.", "too many items", options);
  options.max_stack = 4;
  ExpectError("NNNNN.", "stack too deep", options);
}

}  // namespace
}  // namespace dim::tensor::pickle
