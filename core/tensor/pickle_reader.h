// A small, bounded interpreter for Python pickles, enough for the data.pkl
// that torch.save and torch::pickle_save write for a tensor. It builds a
// tree of values and never runs anything: a GLOBAL only names a callable,
// and REDUCE records the call for the caller to interpret. Any opcode it
// does not know, and any global not on the caller's list, is an error that
// names it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/status.h"

namespace dim::tensor::pickle {

struct Value;
// Values are shared: the memo and several containers may hold the same
// one. As in Python, a list or dict in the memo may still grow, but only
// until another value holds it, so the values can form no cycle.
using ValuePtr = std::shared_ptr<const Value>;

struct Value {
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kTuple,
    kList,
    kDict,           // items alternate key, value
    kGlobal,         // text is "module.name"
    kPersistentId,   // items[0] is the persistent id
    kCall,           // text is the global called, items are the arguments
  };

  Kind kind = Kind::kNone;
  bool flag = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<ValuePtr> items;
  int depth = 1;  // nesting depth, bounded by Options::max_depth
  bool sealed = false;  // another value holds this one; it may not grow
};

// "tuple", "int", ...; for error messages.
const char* KindName(Value::Kind kind);

struct Options {
  // Globals the pickle may name, as "module.name".
  std::vector<std::string> allowed_globals;
  int max_depth = 32;
  size_t max_stack = 4096;
  size_t max_items = 1024;  // per tuple, list or dict
  size_t max_memo = 4096;
};

// Runs the pickle in bytes up to its STOP and returns the value it leaves.
// Fails with kInvalidArgument naming the opcode and its offset.
Result<ValuePtr> Parse(std::string_view bytes, const Options& options);

}  // namespace dim::tensor::pickle
