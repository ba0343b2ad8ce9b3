#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/runtime/dataset_store.h"
#include "core/runtime/model_store.h"
#include "tests/unit/runtime/runtime_test_util.h"

namespace dim::runtime {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

const char kDigest[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string ModelToml(const std::string& extra) {
  return std::string("[[model]]\nid = \"risk-score\"\nfile = \"r.pt\"\n") +
         "sha256 = \"" + kDigest + "\"\ninput_shape = [-1, 8]\n" + extra;
}

TEST(ModelManifestTest, ReadsEveryField) {
  TempDir dir;
  std::string path = dir.Write(
      "models.toml", ModelToml("input_dtype = \"float64\"\nchunk_rows = 4\n"
                               "description = \"scores\"\n"));

  Result<std::vector<ModelSpec>> models = ParseModelManifest(path);

  ASSERT_TRUE(models.ok()) << models.status().message();
  ASSERT_EQ(models->size(), 1u);
  const ModelSpec& m = (*models)[0];
  EXPECT_EQ(m.id, "risk-score");
  EXPECT_EQ(m.path, dir.path() + "/r.pt");
  EXPECT_EQ(m.sha256, kDigest);
  EXPECT_EQ(m.input_shape, (std::vector<int64_t>{-1, 8}));
  EXPECT_EQ(m.input_dtype, tensor::DType::kFloat64);
  EXPECT_EQ(m.chunk_rows, 4);
  EXPECT_EQ(m.description, "scores");
}

TEST(ModelManifestTest, ReportsTomlSyntaxErrorPosition) {
  TempDir dir;
  std::string path = dir.Write("models.toml", "[[model]]\nid = \n");

  Result<std::vector<ModelSpec>> models = ParseModelManifest(path);

  ASSERT_FALSE(models.ok());
  EXPECT_EQ(models.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(models.status().message(), HasSubstr("models.toml:2:"));
}

TEST(ModelManifestTest, NamesUnknownKeyWithPosition) {
  TempDir dir;
  std::string path = dir.Write("models.toml", ModelToml("shape = [1]\n"));

  Result<std::vector<ModelSpec>> models = ParseModelManifest(path);

  ASSERT_FALSE(models.ok());
  EXPECT_THAT(models.status().message(),
              HasSubstr("models.toml:6:1: model 'risk-score': unknown key "
                        "'shape'"));
}

TEST(ModelManifestTest, RejectsBadDigestAtItsValue) {
  TempDir dir;
  std::string path = dir.Write(
      "models.toml",
      "[[model]]\nid = \"a\"\nfile = \"a.pt\"\nsha256 = \"abc\"\n"
      "input_shape = [4]\n");

  Result<std::vector<ModelSpec>> models = ParseModelManifest(path);

  ASSERT_FALSE(models.ok());
  EXPECT_THAT(models.status().message(),
              HasSubstr("models.toml:4:10: model 'a': 'sha256' must be 64 "
                        "hex digits"));
}

TEST(ModelManifestTest, PointsAtTableForMissingKey) {
  TempDir dir;
  std::string path = dir.Write(
      "models.toml", "\n[[model]]\nid = \"a\"\nsha256 = \"x\"\n");

  Result<std::vector<ModelSpec>> models = ParseModelManifest(path);

  ASSERT_FALSE(models.ok());
  EXPECT_THAT(models.status().message(),
              HasSubstr("models.toml:2:1: model 'a': missing 'file'"));
}

TEST(ModelManifestTest, RejectsZeroDimensionAndDuplicateId) {
  TempDir dir;
  std::string zero = dir.Write(
      "zero.toml", std::string("[[model]]\nid = \"a\"\nfile = \"a.pt\"\n") +
                       "sha256 = \"" + kDigest + "\"\ninput_shape = [0, 8]\n");
  std::string twice = dir.Write("twice.toml", ModelToml("") + ModelToml(""));

  Result<std::vector<ModelSpec>> zero_models = ParseModelManifest(zero);
  Result<std::vector<ModelSpec>> twice_models = ParseModelManifest(twice);

  ASSERT_FALSE(zero_models.ok());
  EXPECT_THAT(zero_models.status().message(),
              HasSubstr("zero.toml:5:15: model 'a': dimensions must be"));
  ASSERT_FALSE(twice_models.ok());
  EXPECT_THAT(twice_models.status().message(),
              HasSubstr("twice.toml:7:6: model id 'risk-score' appears twice"));
}

TEST(ModelManifestTest, RejectsMisspeltSection) {
  TempDir dir;
  std::string path = dir.Write("models.toml", "[[models]]\nid = \"a\"\n");

  Result<std::vector<ModelSpec>> models = ParseModelManifest(path);

  ASSERT_FALSE(models.ok());
  EXPECT_THAT(models.status().message(),
              HasSubstr("models.toml:1:3: unknown key 'models'"));
}

TEST(ModelManifestTest, MissingManifestIsNotFound) {
  TempDir dir;

  Result<std::vector<ModelSpec>> models =
      ParseModelManifest(dir.path() + "/models.toml");

  ASSERT_FALSE(models.ok());
  EXPECT_EQ(models.status().code(), Code::kNotFound);
}

TEST(DatasetManifestTest, NamesMissingDataFile) {
  TempDir dir;
  dir.Write("datasets.toml",
            "[[dataset]]\nname = \"ward-a\"\nfile = \"nope.npy\"\n");

  Result<std::unique_ptr<DatasetStore>> store =
      DatasetStore::Open(dir.path(), "n1", tensor::Limits());

  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kNotFound);
  EXPECT_THAT(store.status().message(), HasSubstr("dataset 'ward-a'"));
  EXPECT_THAT(store.status().message(), HasSubstr("nope.npy"));
}

TEST(DatasetManifestTest, NamesUnknownKeyWithPosition) {
  TempDir dir;
  dir.Write("datasets.toml",
            "[[dataset]]\nname = \"ward-a\"\nrows = 3\nfile = \"a.npy\"\n");

  Result<std::unique_ptr<DatasetStore>> store =
      DatasetStore::Open(dir.path(), "n1", tensor::Limits());

  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(),
              HasSubstr("datasets.toml:3:1: dataset 'ward-a': unknown key "
                        "'rows'"));
}

}  // namespace
}  // namespace dim::runtime
