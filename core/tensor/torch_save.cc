#include "core/tensor/torch_save.h"

#include <cstring>
#include <string>
#include <vector>

#include "core/tensor/pickle_reader.h"
#include "core/tensor/zip_reader.h"

namespace dim::tensor {
namespace {

using pickle::Value;
using pickle::ValuePtr;
using Kind = Value::Kind;

constexpr char kRebuildTensor[] = "torch._utils._rebuild_tensor_v2";
constexpr char kOrderedDict[] = "collections.OrderedDict";
// A single tensor's pickle is a few hundred bytes; anything far larger is
// not the file this reader is for.
constexpr size_t kMaxPickleBytes = 64 << 10;

struct StorageType {
  const char* global;
  DType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"torch.FloatStorage", DType::kFloat32},
    {"torch.DoubleStorage", DType::kFloat64},
    {"torch.IntStorage", DType::kInt32},
    {"torch.LongStorage", DType::kInt64},
    {"torch.ByteStorage", DType::kUInt8},
    {"torch.BoolStorage", DType::kBool},
};

// What _rebuild_tensor_v2 is asked to do: view numel elements of the
// storage called key through offset, size and stride.
struct Rebuild {
  DType dtype = DType::kFloat32;
  std::string key;
  int64_t numel = 0;
  int64_t offset = 0;
  std::vector<int64_t> size;
  std::vector<int64_t> stride;
};

Status Unexpected(const std::string& where, const std::string& want,
                  const ValuePtr& got) {
  return InvalidArgument("data.pkl: " + where + " should be " + want +
                         ", not " + pickle::KindName(got->kind));
}

Status ReadInt(const ValuePtr& v, const std::string& where, int64_t* out) {
  if (v->kind != Kind::kInt || v->integer < 0) {
    if (v->kind == Kind::kInt) {
      return InvalidArgument("data.pkl: " + where + " is negative (" +
                             std::to_string(v->integer) + ")");
    }
    return Unexpected(where, "an int", v);
  }
  *out = v->integer;
  return Status::Ok();
}

Status ReadInts(const ValuePtr& v, const std::string& where,
                std::vector<int64_t>* out) {
  if (v->kind != Kind::kTuple) return Unexpected(where, "a tuple", v);
  out->resize(v->items.size());
  for (size_t i = 0; i < v->items.size(); ++i) {
    DIM_RETURN_IF_ERROR(ReadInt(v->items[i], where, &(*out)[i]));
  }
  return Status::Ok();
}

// The persistent id ('storage', torch.FloatStorage, key, location, numel).
Status ReadStorage(const ValuePtr& v, Rebuild* out) {
  if (v->kind != Kind::kPersistentId) {
    return Unexpected("the tensor's storage", "a persistent id", v);
  }
  const ValuePtr& id = v->items[0];
  if (id->kind != Kind::kTuple || id->items.size() != 5 ||
      id->items[0]->kind != Kind::kString ||
      id->items[0]->text != "storage" ||
      id->items[1]->kind != Kind::kGlobal ||
      id->items[2]->kind != Kind::kString) {
    return InvalidArgument(
        "data.pkl: storage id is not ('storage', type, key, location, "
        "numel)");
  }
  const std::string& type = id->items[1]->text;
  bool known = false;
  for (const StorageType& s : kStorageTypes) {
    if (type == s.global) {
      out->dtype = s.dtype;
      known = true;
    }
  }
  if (!known) {
    return InvalidArgument("data.pkl: '" + type + "' is not a storage type");
  }
  out->key = id->items[2]->text;
  return ReadInt(id->items[4], "storage size", &out->numel);
}

Status ReadHooks(const ValuePtr& v) {
  bool ordered = v->kind == Kind::kCall && v->text == kOrderedDict;
  if (!ordered && v->kind != Kind::kDict) {
    return Unexpected("backward hooks", "an OrderedDict", v);
  }
  return Status::Ok();
}

Status ReadRebuild(const ValuePtr& root, Rebuild* out) {
  if (root->kind != Kind::kCall || root->text != kRebuildTensor) {
    return InvalidArgument(
        "data.pkl does not hold a single tensor (it holds a " +
        std::string(pickle::KindName(root->kind)) +
        (root->text.empty() ? "" : " of " + root->text) + ")");
  }
  // Newer versions of PyTorch append a metadata dict, which names nothing
  // that changes the elements.
  const std::vector<ValuePtr>& args = root->items;
  if (args.size() != 6 && args.size() != 7) {
    return InvalidArgument("data.pkl: " + std::string(kRebuildTensor) +
                           " has " + std::to_string(args.size()) +
                           " arguments, expected 6 or 7");
  }
  DIM_RETURN_IF_ERROR(ReadStorage(args[0], out));
  DIM_RETURN_IF_ERROR(ReadInt(args[1], "storage offset", &out->offset));
  DIM_RETURN_IF_ERROR(ReadInts(args[2], "size", &out->size));
  DIM_RETURN_IF_ERROR(ReadInts(args[3], "stride", &out->stride));
  if (out->size.size() != out->stride.size()) {
    return InvalidArgument("data.pkl: size has " +
                           std::to_string(out->size.size()) +
                           " dimensions but stride has " +
                           std::to_string(out->stride.size()));
  }
  if (args[4]->kind != Kind::kBool) {
    return Unexpected("requires_grad", "a bool", args[4]);
  }
  return ReadHooks(args[5]);
}

pickle::Options PickleOptions() {
  pickle::Options options;
  options.allowed_globals = {kRebuildTensor, kOrderedDict};
  for (const StorageType& s : kStorageTypes) {
    options.allowed_globals.push_back(s.global);
  }
  return options;
}

// The highest storage index the view touches, or an error when it cannot
// be computed in 64 bits. Only called for views with elements.
Status LastIndex(const Rebuild& r, int64_t* out) {
  int64_t last = r.offset;
  for (size_t i = 0; i < r.size.size(); ++i) {
    int64_t step = 0;
    if (__builtin_mul_overflow(r.size[i] - 1, r.stride[i], &step) ||
        __builtin_add_overflow(last, step, &last)) {
      return InvalidArgument("data.pkl: strides reach beyond 64 bits");
    }
  }
  *out = last;
  return Status::Ok();
}

bool IsContiguous(const Rebuild& r) {
  int64_t expected = 1;
  for (size_t i = r.size.size(); i > 0; --i) {
    if (r.size[i - 1] != 1 && r.stride[i - 1] != expected) return false;
    expected *= r.size[i - 1];
  }
  return true;
}

// Copies the view's elements out of storage in row-major order. n is the
// element count, already within limits; the caller checked the bounds.
std::string Gather(const Rebuild& r, std::string_view storage, int64_t n) {
  size_t width = ElementSize(r.dtype);
  if (n == 0) return std::string();
  if (IsContiguous(r)) {
    return std::string(storage.substr(r.offset * width, n * width));
  }
  std::string out(n * width, '\0');
  std::vector<int64_t> index(r.size.size(), 0);
  int64_t source = r.offset;
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(&out[i * width], storage.data() + source * width, width);
    // Advance the index like an odometer, keeping source in step.
    for (size_t d = index.size(); d > 0; --d) {
      if (index[d - 1] + 1 < r.size[d - 1]) {
        ++index[d - 1];
        source += r.stride[d - 1];
        break;
      }
      source -= r.stride[d - 1] * (r.size[d - 1] - 1);
      index[d - 1] = 0;
    }
  }
  return out;
}

Result<std::string> FindPrefix(const ZipReader& zip) {
  const std::string suffix = "/data.pkl";
  for (const ZipEntry& e : zip.entries()) {
    const std::string& name = e.name;
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) ==
            0 &&
        name.find('/') == name.size() - suffix.size()) {
      return name.substr(0, name.size() - suffix.size());
    }
  }
  return InvalidArgument(
      "zip archive holds no <name>/data.pkl; not a file from torch.save");
}

Status CheckByteOrder(const ZipReader& zip, const std::string& prefix) {
  Result<std::string_view> order = zip.Read(prefix + "/byteorder");
  if (!order.ok()) {
    // Files from before PyTorch recorded the byte order are little-endian.
    if (order.status().code() == Code::kNotFound) return Status::Ok();
    return order.status();
  }
  if (*order != "little") {
    return InvalidArgument("tensor was saved with byte order '" +
                           std::string(order->substr(0, 16)) +
                           "'; only little-endian is supported");
  }
  return Status::Ok();
}

Result<Rebuild> ReadPickle(const ZipReader& zip, const std::string& prefix) {
  Result<std::string_view> pkl = zip.Read(prefix + "/data.pkl");
  if (!pkl.ok()) return pkl.status();
  if (pkl->size() > kMaxPickleBytes) {
    return InvalidArgument("data.pkl is " + std::to_string(pkl->size()) +
                           " bytes; a single tensor needs far fewer");
  }
  Result<ValuePtr> root = pickle::Parse(*pkl, PickleOptions());
  if (!root.ok()) return root.status().WithContext("data.pkl");

  Rebuild r;
  DIM_RETURN_IF_ERROR(ReadRebuild(*root, &r));
  return r;
}

}  // namespace

Result<Tensor> DecodeTorchSave(std::string_view bytes, const Limits& limits) {
  Result<ZipReader> zip = ZipReader::Open(bytes);
  if (!zip.ok()) return zip.status();
  Result<std::string> prefix = FindPrefix(*zip);
  if (!prefix.ok()) return prefix.status();
  DIM_RETURN_IF_ERROR(CheckByteOrder(*zip, *prefix));
  Result<Rebuild> r = ReadPickle(*zip, *prefix);
  if (!r.ok()) return r.status();

  Tensor t;
  t.dtype = r->dtype;
  t.shape = r->size;
  DIM_RETURN_IF_ERROR(CheckLimits(t, limits));
  int64_t n = t.NumElements();

  std::string name = *prefix + "/data/" + r->key;
  Result<std::string_view> storage = zip->Read(name);
  if (!storage.ok()) {
    // A storage missing from the archive is a damaged file, not a missing
    // one, whatever the zip reader calls it.
    return Status(Code::kInvalidArgument, storage.status().message());
  }
  uint64_t width = ElementSize(t.dtype);
  if (static_cast<uint64_t>(r->numel) != storage->size() / width ||
      storage->size() % width != 0) {
    return InvalidArgument("storage '" + name + "' is " +
                           std::to_string(storage->size()) +
                           " bytes but data.pkl says " +
                           std::to_string(r->numel) + " elements of " +
                           std::to_string(width) + " bytes");
  }
  if (n > 0) {
    int64_t last = 0;
    DIM_RETURN_IF_ERROR(LastIndex(*r, &last));
    if (last >= r->numel) {
      return InvalidArgument("data.pkl: the view reaches element " +
                             std::to_string(last) + " of a storage of " +
                             std::to_string(r->numel));
    }
  }
  t.data = Gather(*r, *storage, n);
  return t;
}

}  // namespace dim::tensor
