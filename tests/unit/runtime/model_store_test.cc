#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/runtime/model_store.h"
#include "core/runtime/sha256.h"
#include "tests/unit/runtime/runtime_test_util.h"

namespace dim::runtime {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

class ModelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = testing::LoadEngine();
    ASSERT_NE(engine_, nullptr);
  }

  std::unique_ptr<ModelStore> Open(const std::string& dir) {
    Result<std::unique_ptr<ModelStore>> store =
        ModelStore::Open(dir, "n1", engine_.get());
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::unique_ptr<Engine> engine_;
};

TEST_F(ModelStoreTest, LoadsLazilyOnFirstUse) {
  std::unique_ptr<ModelStore> store = Open(testing::ModelDir());
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->IsLoaded("tiny"));

  Status loaded = store->EnsureLoaded("tiny");

  EXPECT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_TRUE(store->IsLoaded("tiny"));
  EXPECT_FALSE(store->IsLoaded("risk-score"));
}

TEST_F(ModelStoreTest, RefusesFileWhoseDigestDiffers) {
  TempDir dir;
  std::filesystem::copy_file(testing::ModelDir() + "/tiny.pt",
                             dir.path() + "/tiny.pt");
  std::string wrong(64, 'a');
  dir.Write("models.toml",
            "[[model]]\nid = \"tiny\"\nfile = \"tiny.pt\"\nsha256 = \"" +
                wrong + "\"\ninput_shape = [-1, 4]\n");
  Result<std::string> actual = Sha256OfFile(dir.path() + "/tiny.pt");
  ASSERT_TRUE(actual.ok());
  std::unique_ptr<ModelStore> store = Open(dir.path());
  ASSERT_NE(store, nullptr);

  Status loaded = store->EnsureLoaded("tiny");

  EXPECT_EQ(loaded.code(), Code::kFailedPrecondition);
  EXPECT_THAT(loaded.message(), HasSubstr("model tiny"));
  EXPECT_THAT(loaded.message(), HasSubstr(dir.path() + "/tiny.pt"));
  EXPECT_THAT(loaded.message(), HasSubstr(wrong));
  EXPECT_THAT(loaded.message(), HasSubstr(*actual));
  EXPECT_FALSE(store->IsLoaded("tiny"));
}

TEST_F(ModelStoreTest, NamesNodeAndModelsForUnknownModel) {
  TempDir dir;
  std::string digest(64, 'b');
  dir.Write("models.toml",
            "[[model]]\nid = \"a\"\nfile = \"a.pt\"\nsha256 = \"" + digest +
                "\"\ninput_shape = [1]\n[[model]]\nid = \"b\"\nfile = "
                "\"b.pt\"\nsha256 = \"" + digest + "\"\ninput_shape = [1]\n");
  std::unique_ptr<ModelStore> store = Open(dir.path());
  ASSERT_NE(store, nullptr);

  Result<const ModelSpec*> found = store->Find("x");

  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), Code::kNotFound);
  EXPECT_EQ(found.status().message(), "no model 'x' on node n1 (has: a, b)");
}

TEST_F(ModelStoreTest, ExampleManifestDigestsMatchTheFiles) {
  std::unique_ptr<ModelStore> store = Open(testing::ModelDir());
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->models().size(), 9u);

  for (const ModelSpec& m : store->models()) {
    Status loaded = store->EnsureLoaded(m.id);
    EXPECT_TRUE(loaded.ok()) << loaded.message();
  }
}

TEST(CheckInputTest, DescribesExpectedAndActualInput) {
  ModelSpec model;
  model.id = "risk-score";
  model.input_shape = {-1, 8};

  Status wrong_width = CheckInput(model, testing::Rows(3, 5));
  Status any_rows = CheckInput(model, testing::Rows(7, 8));
  tensor::Tensor doubles = tensor::Tensor::FromDoubles({2, 8},
                                                       std::vector<double>(16));
  Status wrong_dtype = CheckInput(model, doubles);

  EXPECT_EQ(wrong_width.code(), Code::kInvalidArgument);
  EXPECT_EQ(wrong_width.message(),
            "model risk-score expects input [*, 8] float32, got [3, 5] "
            "float32");
  EXPECT_TRUE(any_rows.ok());
  EXPECT_THAT(wrong_dtype.message(), HasSubstr("got [2, 8] float64"));
}

TEST(CheckInputTest, RejectsWrongRank) {
  ModelSpec model;
  model.id = "tiny";
  model.input_shape = {-1, 4};
  tensor::Tensor vector = tensor::Tensor::FromFloats({4}, {1, 2, 3, 4});

  Status status = CheckInput(model, vector);

  EXPECT_EQ(status.message(),
            "model tiny expects input [*, 4] float32, got [4] float32");
}

}  // namespace
}  // namespace dim::runtime
