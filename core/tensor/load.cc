#include "core/tensor/load.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/tensor/npy.h"
#include "core/tensor/torch_save.h"

namespace dim::tensor {
namespace {

enum class Format { kNpy, kTorch, kUnknown };

Format FormatOf(const std::string& path) {
  auto ends_with = [&path](const std::string& suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(),
                        suffix) == 0;
  };
  if (ends_with(".npy")) return Format::kNpy;
  if (ends_with(".pt") || ends_with(".pth")) return Format::kTorch;
  return Format::kUnknown;
}

// Reads the whole file, refusing one larger than max_bytes before reading
// it: the decoded tensor could not be smaller than a limit allows.
Result<std::string> ReadFile(const std::string& path, int64_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    int error = errno;
    if (error == ENOENT) return NotFound("no such file");
    return InvalidArgument(std::string("cannot open: ") +
                           std::strerror(error));
  }
  std::streamoff size = in.tellg();
  // Archive and header overhead is small next to the data it describes.
  constexpr int64_t kOverhead = 1 << 20;
  if (size < 0 || size > max_bytes + kOverhead) {
    return ResourceExhausted(
        "file is " + std::to_string(size) + " bytes, over the limit of " +
        std::to_string(max_bytes) +
        " (raise limits.max_tensor_bytes to accept it)");
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) return InvalidArgument("read failed");
  return bytes;
}

Result<Tensor> Decode(Format format, const std::string& bytes,
                      const Limits& limits) {
  if (format == Format::kNpy) return DecodeNpy(bytes);
  return DecodeTorchSave(bytes, limits);
}

}  // namespace

Result<Tensor> LoadTensorFile(const std::string& path, const Limits& limits) {
  Format format = FormatOf(path);
  if (format == Format::kUnknown) {
    return InvalidArgument(
        path + ": unknown tensor file type (expected .npy, .pt or .pth)");
  }
  Result<std::string> bytes = ReadFile(path, limits.max_bytes);
  if (!bytes.ok()) return bytes.status().WithContext(path);

  Result<Tensor> t = Decode(format, *bytes, limits);
  if (!t.ok()) return t.status().WithContext(path);
  Status within = CheckLimits(*t, limits);
  if (!within.ok()) return within.WithContext(path);
  return t;
}

}  // namespace dim::tensor
