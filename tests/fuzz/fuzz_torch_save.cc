// Fuzzes the torch.save decoder (core/tensor/torch_save.h, with its zip
// reader and pickle machine). An input that starts like a zip archive is
// decoded as it is; the bytes of a damaged archive mostly fail the CRC
// check, though, so any other input is taken as the pickle, followed
// optionally by kStorageMark and the bytes of storage "0", and put into a
// well-formed archive first. That way mutations reach the pickle machine
// and the tensor rebuilding behind it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor/limits.h"
#include "core/tensor/torch_save.h"
#include "core/util/text.h"
#include "fuzz_check.h"

namespace {

using dim::fuzz::Broken;
using dim::fuzz::MustBeOk;

constexpr std::string_view kZipMagic = "PK\x03\x04";
constexpr std::string_view kStorageMark = "\n==storage==\n";

struct Entry {
  std::string name;
  std::string_view data;
};

void PutLe(std::string* out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

// The fields a local header and a central directory entry share.
std::string CommonFields(const Entry& e) {
  std::string out;
  PutLe(&out, 20, 2);  // version needed
  PutLe(&out, 0, 2);   // flags
  PutLe(&out, 0, 2);   // method: stored
  PutLe(&out, 0, 4);   // time and date
  PutLe(&out, dim::Crc32(e.data), 4);
  PutLe(&out, e.data.size(), 4);
  PutLe(&out, e.data.size(), 4);
  PutLe(&out, e.name.size(), 2);
  PutLe(&out, 0, 2);  // extra length
  return out;
}

// A zip archive of stored entries, as torch.save writes it.
std::string Zip(const std::vector<Entry>& entries) {
  std::string out;
  std::string directory;
  for (const Entry& e : entries) {
    PutLe(&directory, 0x02014b50, 4);
    PutLe(&directory, 20, 2);  // version made by
    directory += CommonFields(e);
    PutLe(&directory, 0, 6);  // comment length, disk, internal attributes
    PutLe(&directory, 0, 4);  // external attributes
    PutLe(&directory, out.size(), 4);
    directory += e.name;

    PutLe(&out, 0x04034b50, 4);
    out += CommonFields(e);
    out += e.name;
    out += e.data;
  }
  size_t directory_offset = out.size();
  out += directory;
  PutLe(&out, 0x06054b50, 4);
  PutLe(&out, 0, 4);  // disk numbers
  PutLe(&out, entries.size(), 2);
  PutLe(&out, entries.size(), 2);
  PutLe(&out, directory.size(), 4);
  PutLe(&out, directory_offset, 4);
  PutLe(&out, 0, 2);  // comment length
  return out;
}

std::string WrapPickle(std::string_view bytes) {
  size_t mark = bytes.find(kStorageMark);
  std::string_view pickle = bytes.substr(0, mark);
  std::string_view storage;
  if (mark != std::string_view::npos) {
    storage = bytes.substr(mark + kStorageMark.size());
  }
  return Zip({{"fuzz/data.pkl", pickle},
              {"fuzz/byteorder", "little"},
              {"fuzz/data/0", storage}});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string wrapped;
  std::string_view bytes = input;
  if (input.substr(0, kZipMagic.size()) != kZipMagic) {
    wrapped = WrapPickle(input);
    bytes = wrapped;
  }

  // The defaults of dim.toml's [limits].
  dim::tensor::Limits limits;
  dim::Result<dim::tensor::Tensor> t =
      dim::tensor::DecodeTorchSave(bytes, limits);
  if (!t.ok()) {
    dim::Code code = t.status().code();
    if (code != dim::Code::kInvalidArgument &&
        code != dim::Code::kResourceExhausted) {
      Broken("DecodeTorchSave failed with an undocumented code: " +
             t.status().message());
    }
    return 0;
  }
  MustBeOk(dim::tensor::Validate(*t), "DecodeTorchSave returned a bad tensor");
  MustBeOk(dim::tensor::CheckLimits(*t, limits),
           "DecodeTorchSave returned a tensor over its limits");
  return 0;
}
