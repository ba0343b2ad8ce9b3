// Fuzzes the job file parser (core/job/job.h, core/config/toml_reader.h):
// any text must yield a JobSpec or an error of a documented kind, and a
// JobSpec the parser accepts must pass ValidateJobSpec, the checks applied
// to specs that arrive over the wire.
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/job/job.h"
#include "core/tensor/npy.h"
#include "fuzz_check.h"

namespace {

namespace fs = std::filesystem;

// The folder relative input files are found in. It holds x.npy, so that a
// job naming it gets past the file and into the rest of the parser.
const std::string* base_dir = nullptr;

void RemoveBaseDir() {
  std::error_code ignored;
  fs::remove_all(*base_dir, ignored);
}

void MakeBaseDir() {
  std::string pattern = (fs::temp_directory_path() / "dim-fuzz-job-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    dim::fuzz::Broken("cannot create a folder from " + pattern);
  }
  base_dir = new std::string(pattern);
  std::atexit(RemoveBaseDir);

  auto input = dim::tensor::Tensor::FromFloats({2, 3}, {1, 2, 3, 4, 5, 6});
  std::ofstream(*base_dir + "/x.npy", std::ios::binary)
      << dim::tensor::EncodeNpy(input);
}

void CheckFailure(const dim::Status& status) {
  dim::Code code = status.code();
  if (code != dim::Code::kInvalidArgument && code != dim::Code::kNotFound &&
      code != dim::Code::kResourceExhausted) {
    dim::fuzz::Broken("undocumented error code " +
                      std::to_string(static_cast<int>(code)) + ": " +
                      status.message());
  }
  if (status.message().empty()) dim::fuzz::Broken("error without a message");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MakeBaseDir();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The defaults of dim.toml's [limits].
  dim::job::JobLimits limits;
  dim::tensor::Limits tensor_limits;

  auto spec = dim::job::ParseJobText(text, "fuzz.toml", *base_dir, limits,
                                     tensor_limits);
  if (!spec.ok()) {
    CheckFailure(spec.status());
    return 0;
  }
  if (spec->source() != "fuzz.toml") dim::fuzz::Broken("source not set");
  dim::fuzz::MustBeOk(dim::job::ValidateJobSpec(*spec, limits),
                      "accepted job file fails ValidateJobSpec");
  return 0;
}
