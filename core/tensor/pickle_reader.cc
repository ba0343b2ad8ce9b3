#include "core/tensor/pickle_reader.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace dim::tensor::pickle {
namespace {

using Kind = Value::Kind;

// Opcodes this reader does not run, by name, so that an error says which
// feature of the pickle it met.
struct OpcodeName {
  unsigned char code;
  const char* name;
};
constexpr OpcodeName kOtherOpcodes[] = {
    {'0', "POP"},          {'1', "POP_MARK"},      {'2', "DUP"},
    {'F', "FLOAT"},        {'I', "INT"},           {'L', "LONG"},
    {'P', "PERSID"},       {'S', "STRING"},        {'T', "BINSTRING"},
    {'U', "SHORT_BINSTRING"}, {'V', "UNICODE"},    {'b', "BUILD"},
    {'d', "DICT"},         {'g', "GET"},           {'i', "INST"},
    {'l', "LIST"},         {'o', "OBJ"},           {'p', "PUT"},
    {0x81, "NEWOBJ"},      {0x82, "EXT1"},         {0x83, "EXT2"},
    {0x84, "EXT4"},        {0x8b, "LONG4"},        {'B', "BINBYTES"},
    {'C', "SHORT_BINBYTES"}, {0x8d, "BINUNICODE8"}, {0x8e, "BINBYTES8"},
    {0x8f, "EMPTY_SET"},   {0x90, "ADDITEMS"},     {0x91, "FROZENSET"},
    {0x92, "NEWOBJ_EX"},   {0x93, "STACK_GLOBAL"}, {0x94, "MEMOIZE"},
    {0x95, "FRAME"},       {0x96, "BYTEARRAY8"},   {0x97, "NEXT_BUFFER"},
    {0x98, "READONLY_BUFFER"},
};

std::string Hex(unsigned char c) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[c >> 4] + digits[c & 15];
}

std::string DescribeOpcode(unsigned char code) {
  for (const OpcodeName& op : kOtherOpcodes) {
    if (op.code == code) return std::string(op.name) + " (" + Hex(code) + ")";
  }
  return "unknown opcode " + Hex(code);
}

// Every value is created by this reader as a non-const Value, so the flag
// may be set through a const pointer.
void Seal(const ValuePtr& v) {
  std::const_pointer_cast<Value>(v)->sealed = true;
}

class Machine {
 public:
  Machine(std::string_view bytes, const Options& options)
      : bytes_(bytes), options_(options) {}

  Result<ValuePtr> Run();

 private:
  Status Step(unsigned char op, bool* done);
  Status StepScalar(unsigned char op, bool* handled);
  Status StepContainer(unsigned char op, bool* handled);
  Status StepMemo(unsigned char op, bool* handled);

  Status Error(const std::string& what) const {
    return InvalidArgument("pickle: " + what + " at offset " +
                           std::to_string(op_offset_));
  }

  Status Take(size_t n, std::string_view* out);
  Status ReadUint(size_t width, uint64_t* out);
  Status ReadLine(std::string* out);

  Status Push(ValuePtr v);
  Status Pop(ValuePtr* out);
  Status PopMark(std::vector<ValuePtr>* out);
  Status MakeContainer(Kind kind, std::vector<ValuePtr> items,
                       std::string text, ValuePtr* out) const;
  Status AddToTop(std::vector<ValuePtr> items, Kind want);

  Status Global();
  Status Long1();
  Status Reduce();

  std::string_view bytes_;
  const Options& options_;
  size_t pos_ = 0;
  size_t op_offset_ = 0;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, ValuePtr> memo_;
};

Result<ValuePtr> Machine::Run() {
  while (true) {
    op_offset_ = pos_;
    if (pos_ >= bytes_.size()) return Error("data ends before STOP");
    unsigned char op = static_cast<unsigned char>(bytes_[pos_++]);
    bool done = false;
    DIM_RETURN_IF_ERROR(Step(op, &done));
    if (done) break;
  }
  ValuePtr result;
  DIM_RETURN_IF_ERROR(Pop(&result));
  return result;
}

Status Machine::Step(unsigned char op, bool* done) {
  bool handled = true;
  DIM_RETURN_IF_ERROR(StepScalar(op, &handled));
  if (handled) return Status::Ok();
  handled = true;
  DIM_RETURN_IF_ERROR(StepContainer(op, &handled));
  if (handled) return Status::Ok();
  handled = true;
  DIM_RETURN_IF_ERROR(StepMemo(op, &handled));
  if (handled) return Status::Ok();

  switch (op) {
    case 0x80: {  // PROTO
      uint64_t version = 0;
      DIM_RETURN_IF_ERROR(ReadUint(1, &version));
      if (version > 5) {
        return Error("unsupported protocol " + std::to_string(version));
      }
      return Status::Ok();
    }
    case 'c': return Global();
    case 'R': return Reduce();
    case 'Q': {  // BINPERSID
      ValuePtr id;
      DIM_RETURN_IF_ERROR(Pop(&id));
      ValuePtr v;
      DIM_RETURN_IF_ERROR(MakeContainer(Kind::kPersistentId, {id}, "", &v));
      return Push(v);
    }
    case '.':  // STOP
      *done = true;
      return Status::Ok();
  }
  return Error("unsupported " + DescribeOpcode(op));
}

Status Machine::StepScalar(unsigned char op, bool* handled) {
  auto v = std::make_shared<Value>();
  uint64_t raw = 0;
  std::string_view text;
  switch (op) {
    case 'N': v->kind = Kind::kNone; break;
    case 0x88: case 0x89:  // NEWTRUE, NEWFALSE
      v->kind = Kind::kBool;
      v->flag = op == 0x88;
      break;
    case 'K': case 'M': case 'J':  // BININT1, BININT2, BININT
      DIM_RETURN_IF_ERROR(ReadUint(op == 'K' ? 1 : op == 'M' ? 2 : 4, &raw));
      v->kind = Kind::kInt;
      v->integer = op == 'J' ? static_cast<int32_t>(raw)
                             : static_cast<int64_t>(raw);
      break;
    case 0x8a: return Long1();
    case 'G': {  // BINFLOAT, big-endian
      DIM_RETURN_IF_ERROR(Take(8, &text));
      for (char c : text) raw = (raw << 8) | static_cast<unsigned char>(c);
      v->kind = Kind::kFloat;
      std::memcpy(&v->real, &raw, sizeof(raw));
      break;
    }
    case 'X': case 0x8c:  // BINUNICODE, SHORT_BINUNICODE
      DIM_RETURN_IF_ERROR(ReadUint(op == 'X' ? 4 : 1, &raw));
      DIM_RETURN_IF_ERROR(Take(raw, &text));
      v->kind = Kind::kString;
      v->text = std::string(text);
      break;
    default:
      *handled = false;
      return Status::Ok();
  }
  return Push(v);
}

Status Machine::StepContainer(unsigned char op, bool* handled) {
  std::vector<ValuePtr> items;
  Kind kind = Kind::kTuple;
  switch (op) {
    case '(':  // MARK
      if (marks_.size() >= options_.max_stack) return Error("too many marks");
      marks_.push_back(stack_.size());
      return Status::Ok();
    case 't': DIM_RETURN_IF_ERROR(PopMark(&items)); break;
    case ')': break;
    case 0x85: case 0x86: case 0x87: {  // TUPLE1, TUPLE2, TUPLE3
      items.resize(op - 0x84);
      for (size_t i = items.size(); i > 0; --i) {
        DIM_RETURN_IF_ERROR(Pop(&items[i - 1]));
      }
      break;
    }
    case ']': kind = Kind::kList; break;
    case '}': kind = Kind::kDict; break;
    case 'e': case 's': case 'u': case 'a': {  // APPENDS SETITEM(S) APPEND
      if (op == 'e' || op == 'u') {
        DIM_RETURN_IF_ERROR(PopMark(&items));
      } else {
        items.resize(op == 's' ? 2 : 1);
        for (size_t i = items.size(); i > 0; --i) {
          DIM_RETURN_IF_ERROR(Pop(&items[i - 1]));
        }
      }
      return AddToTop(std::move(items),
                      op == 'e' || op == 'a' ? Kind::kList : Kind::kDict);
    }
    default:
      *handled = false;
      return Status::Ok();
  }
  ValuePtr v;
  DIM_RETURN_IF_ERROR(MakeContainer(kind, std::move(items), "", &v));
  return Push(v);
}

Status Machine::StepMemo(unsigned char op, bool* handled) {
  uint64_t key = 0;
  switch (op) {
    case 'q': case 'r': {  // BINPUT, LONG_BINPUT
      DIM_RETURN_IF_ERROR(ReadUint(op == 'q' ? 1 : 4, &key));
      if (stack_.empty()) return Error("BINPUT on an empty stack");
      if (memo_.size() >= options_.max_memo && memo_.count(key) == 0) {
        return Error("memo holds too many entries");
      }
      memo_[key] = stack_.back();
      return Status::Ok();
    }
    case 'h': case 'j': {  // BINGET, LONG_BINGET
      DIM_RETURN_IF_ERROR(ReadUint(op == 'h' ? 1 : 4, &key));
      auto it = memo_.find(key);
      if (it == memo_.end()) {
        return Error("BINGET of memo entry " + std::to_string(key) +
                     " that was never stored");
      }
      return Push(it->second);
    }
  }
  *handled = false;
  return Status::Ok();
}

Status Machine::Take(size_t n, std::string_view* out) {
  if (n > bytes_.size() - pos_) return Error("data ends inside an opcode");
  *out = bytes_.substr(pos_, n);
  pos_ += n;
  return Status::Ok();
}

Status Machine::ReadUint(size_t width, uint64_t* out) {
  std::string_view raw;
  DIM_RETURN_IF_ERROR(Take(width, &raw));
  *out = 0;
  for (size_t i = 0; i < width; ++i) {
    *out |= static_cast<uint64_t>(static_cast<unsigned char>(raw[i]))
            << (8 * i);
  }
  return Status::Ok();
}

Status Machine::ReadLine(std::string* out) {
  constexpr size_t kMaxLine = 256;
  size_t end = bytes_.find('\n', pos_);
  if (end == std::string_view::npos || end - pos_ > kMaxLine) {
    return Error("GLOBAL name is unterminated or too long");
  }
  *out = std::string(bytes_.substr(pos_, end - pos_));
  pos_ = end + 1;
  return Status::Ok();
}

Status Machine::Push(ValuePtr v) {
  if (stack_.size() >= options_.max_stack) return Error("stack too deep");
  stack_.push_back(std::move(v));
  return Status::Ok();
}

Status Machine::Pop(ValuePtr* out) {
  size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) return Error("pop from an empty stack");
  *out = std::move(stack_.back());
  stack_.pop_back();
  return Status::Ok();
}

Status Machine::PopMark(std::vector<ValuePtr>* out) {
  if (marks_.empty()) return Error("no MARK to pop to");
  size_t mark = marks_.back();
  marks_.pop_back();
  out->assign(std::make_move_iterator(stack_.begin() + mark),
              std::make_move_iterator(stack_.end()));
  stack_.resize(mark);
  return Status::Ok();
}

Status Machine::MakeContainer(Kind kind, std::vector<ValuePtr> items,
                              std::string text, ValuePtr* out) const {
  if (items.size() > options_.max_items) {
    return Error(std::string(KindName(kind)) + " has too many items");
  }
  auto v = std::make_shared<Value>();
  v->kind = kind;
  v->text = std::move(text);
  for (const ValuePtr& item : items) {
    v->depth = std::max(v->depth, item->depth + 1);
    Seal(item);
  }
  if (v->depth > options_.max_depth) return Error("values nest too deeply");
  v->items = std::move(items);
  *out = std::move(v);
  return Status::Ok();
}

Status Machine::AddToTop(std::vector<ValuePtr> items, Kind want) {
  size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor || stack_.back()->kind != want) {
    return Error(std::string("no ") + KindName(want) + " to add items to");
  }
  if (want == Kind::kDict && items.size() % 2 != 0) {
    return Error("SETITEMS with a key but no value");
  }
  // Growing a container that is already inside another value could close
  // a cycle, which Python allows and this reader does not need.
  const ValuePtr& top = stack_.back();
  std::shared_ptr<Value> target = std::const_pointer_cast<Value>(top);
  if (target->sealed) {
    return Error(std::string("pickle grows a ") + KindName(want) +
                 " after storing it in another value");
  }
  if (target->items.size() + items.size() > options_.max_items) {
    return Error(std::string(KindName(want)) + " has too many items");
  }
  for (ValuePtr& item : items) {
    if (item == top) return Error("a container cannot hold itself");
    target->depth = std::max(target->depth, item->depth + 1);
    Seal(item);
    target->items.push_back(std::move(item));
  }
  if (target->depth > options_.max_depth) {
    return Error("values nest too deeply");
  }
  return Status::Ok();
}

Status Machine::Global() {
  std::string module;
  std::string name;
  DIM_RETURN_IF_ERROR(ReadLine(&module));
  DIM_RETURN_IF_ERROR(ReadLine(&name));
  std::string full = module + "." + name;
  const auto& allowed = options_.allowed_globals;
  if (std::find(allowed.begin(), allowed.end(), full) == allowed.end()) {
    return Error("unsupported global '" + full + "'");
  }
  auto v = std::make_shared<Value>();
  v->kind = Kind::kGlobal;
  v->text = std::move(full);
  return Push(v);
}

Status Machine::Long1() {
  uint64_t width = 0;
  DIM_RETURN_IF_ERROR(ReadUint(1, &width));
  if (width > 8) return Error("LONG1 integer wider than 64 bits");
  uint64_t raw = 0;
  DIM_RETURN_IF_ERROR(ReadUint(width, &raw));
  // Two's complement of width bytes: extend the sign bit.
  if (width > 0 && width < 8 && (raw >> (8 * width - 1)) & 1) {
    raw |= ~uint64_t{0} << (8 * width);
  }
  auto v = std::make_shared<Value>();
  v->kind = Kind::kInt;
  v->integer = static_cast<int64_t>(raw);
  return Push(v);
}

Status Machine::Reduce() {
  ValuePtr args;
  ValuePtr callable;
  DIM_RETURN_IF_ERROR(Pop(&args));
  DIM_RETURN_IF_ERROR(Pop(&callable));
  if (callable->kind != Kind::kGlobal || args->kind != Kind::kTuple) {
    return Error(std::string("REDUCE needs a global and a tuple, got ") +
                 KindName(callable->kind) + " and " + KindName(args->kind));
  }
  ValuePtr v;
  DIM_RETURN_IF_ERROR(
      MakeContainer(Kind::kCall, args->items, callable->text, &v));
  return Push(v);
}

}  // namespace

const char* KindName(Value::Kind kind) {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kTuple: return "tuple";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kGlobal: return "global";
    case Kind::kPersistentId: return "persistent id";
    case Kind::kCall: return "call";
  }
  return "value";
}

Result<ValuePtr> Parse(std::string_view bytes, const Options& options) {
  return Machine(bytes, options).Run();
}

}  // namespace dim::tensor::pickle
