#include "core/runtime/dataset_store.h"

#include <gtest/gtest.h>

#include "tests/unit/runtime/runtime_test_util.h"

namespace dim::runtime {
namespace {

std::unique_ptr<DatasetStore> Open(const std::string& dir) {
  Result<std::unique_ptr<DatasetStore>> store =
      DatasetStore::Open(dir, "n1", tensor::Limits());
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(DatasetStoreTest, LoadsNpyAndTorchSaveFiles) {
  std::unique_ptr<DatasetStore> store = Open(testing::DatasetDir());
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->datasets().size(), 3u);

  const struct {
    const char* name;
    int64_t rows;
  } expected[] = {{"ward-a", 120}, {"ward-b", 80}, {"ward-c", 50}};
  for (const auto& e : expected) {
    Result<const Dataset*> d = store->Find(e.name);
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_EQ((*d)->samples, e.rows);
    EXPECT_EQ((*d)->rows.shape, (std::vector<int64_t>{e.rows, 8}));
    EXPECT_EQ((*d)->rows.dtype, tensor::DType::kFloat32);
    EXPECT_TRUE(tensor::Validate((*d)->rows).ok());
  }
}

TEST(DatasetStoreTest, SameDatasetIsIdenticalInEveryFolder) {
  std::unique_ptr<DatasetStore> all = Open(testing::DatasetDir());
  std::unique_ptr<DatasetStore> only_b =
      Open(testing::ExamplesDir() + "/datasets-b");
  ASSERT_NE(all, nullptr);
  ASSERT_NE(only_b, nullptr);

  Result<const Dataset*> from_all = all->Find("ward-b");
  Result<const Dataset*> from_b = only_b->Find("ward-b");

  ASSERT_TRUE(from_all.ok() && from_b.ok());
  EXPECT_EQ((*from_all)->rows.data, (*from_b)->rows.data);
}

TEST(DatasetStoreTest, NamesHeldDatasetsWhenOneIsMissing) {
  std::unique_ptr<DatasetStore> store =
      Open(testing::ExamplesDir() + "/datasets-a");
  ASSERT_NE(store, nullptr);

  Result<const Dataset*> d = store->Find("ward-b");

  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kNotFound);
  EXPECT_EQ(d.status().message(),
            "node n1 holds no dataset 'ward-b' (holds: ward-a)");
}

TEST(DatasetStoreTest, EmptyFolderNameHoldsNothing) {
  std::unique_ptr<DatasetStore> store = Open("");
  ASSERT_NE(store, nullptr);

  Result<const Dataset*> d = store->Find("ward-a");

  EXPECT_TRUE(store->datasets().empty());
  EXPECT_EQ(d.status().message(),
            "node n1 holds no dataset 'ward-a' (holds: none)");
}

}  // namespace
}  // namespace dim::runtime
