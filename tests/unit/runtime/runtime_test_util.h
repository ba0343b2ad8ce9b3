// Shared by the runtime tests: where the real plugin and the example
// models are, and scratch folders. The build passes the paths in
// DIMCTL_TORCH_PLUGIN and DIMCTL_EXAMPLES_DIR.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/runtime/engine.h"
#include "core/runtime/engine_loader.h"
#include "core/tensor/tensor.h"

namespace dim::runtime::testing {

inline std::string ExamplesDir() { return DIMCTL_EXAMPLES_DIR; }
inline std::string ModelDir() { return ExamplesDir() + "/models"; }
inline std::string DatasetDir() { return ExamplesDir() + "/datasets"; }

// One torch thread keeps timings steady on a shared machine.
inline std::unique_ptr<Engine> LoadEngine() {
  Result<std::unique_ptr<Engine>> engine =
      LoadTorchEngine(DIMCTL_TORCH_PLUGIN, 1);
  EXPECT_TRUE(engine.ok()) << engine.status().message();
  return engine.ok() ? std::move(*engine) : nullptr;
}

// A fresh folder, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "dim-runtime-XXXXXX")
            .string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }

  const std::string& path() const { return path_; }

  std::string Write(const std::string& name, const std::string& text) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::string path_;
};

// Deterministic float32 rows with values in [-1, 1).
inline tensor::Tensor Rows(int64_t rows, int64_t cols) {
  std::vector<float> values;
  for (int64_t i = 0; i < rows * cols; ++i) {
    values.push_back(static_cast<float>((i * 37) % 200) / 100.0f - 1.0f);
  }
  return tensor::Tensor::FromFloats({rows, cols}, values);
}

}  // namespace dim::runtime::testing
