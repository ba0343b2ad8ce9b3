#include "core/tensor/load.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/tensor/npy.h"

namespace dim::tensor {
namespace {

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "dim_load_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(LoadTest, LoadsNpyFile) {
  Tensor t = Tensor::FromDoubles({2}, {0.5, -1});
  Result<Tensor> loaded = LoadTensorFile(Write("x.npy", EncodeNpy(t)), {});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->ToDoubles(), t.ToDoubles());
}

TEST_F(LoadTest, MissingFileIsNotFoundAndNamesPath) {
  std::string path = (dir_ / "absent.npy").string();
  Result<Tensor> loaded = LoadTensorFile(path, {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kNotFound);
  EXPECT_EQ(loaded.status().message().rfind(path + ": ", 0), 0u)
      << loaded.status().message();
}

TEST_F(LoadTest, BadFileErrorStartsWithPath) {
  std::string path = Write("bad.npy", "not numpy at all");
  Result<Tensor> loaded = LoadTensorFile(path, {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(loaded.status().message().rfind(path + ": ", 0), 0u)
      << loaded.status().message();
}

TEST_F(LoadTest, GarbageWithTorchExtensionIsRejected) {
  std::string path = Write("model.pt", "PK but not really a zip");
  Result<Tensor> loaded = LoadTensorFile(path, {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("zip"), std::string::npos)
      << loaded.status().message();
}

TEST_F(LoadTest, RejectsUnknownExtension) {
  std::string path = Write("x.csv", "1,2,3");
  Result<Tensor> loaded = LoadTensorFile(path, {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find(".npy, .pt or .pth"),
            std::string::npos);
}

TEST_F(LoadTest, TensorOverLimitsIsResourceExhausted) {
  Limits limits;
  limits.max_elements = 2;
  Tensor t = Tensor::FromFloats({3}, {1, 2, 3});
  std::string path = Write("big.npy", EncodeNpy(t));
  Result<Tensor> loaded = LoadTensorFile(path, limits);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(loaded.status().message().rfind(path + ": ", 0), 0u);
}

}  // namespace
}  // namespace dim::tensor
