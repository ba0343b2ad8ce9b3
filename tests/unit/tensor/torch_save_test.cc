// Checks the torch-free decoder against archives that libtorch itself
// writes with torch::pickle_save, the C++ twin of Python's torch.save.
#include "core/tensor/torch_save.h"

#include <gtest/gtest.h>
#include <torch/serialize.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/tensor/load.h"
#include "core/tensor/zip_reader.h"
#include "core/util/text.h"

namespace dim::tensor {
namespace {

using namespace std::string_literals;

std::string Save(const torch::Tensor& t) {
  std::vector<char> bytes = torch::pickle_save(t);
  return std::string(bytes.data(), bytes.size());
}

// A minimal zip writer, so that tests can take libtorch's archive apart
// and put it back together with one thing changed.
struct Entry {
  std::string name;
  std::string data;
  uint16_t method = 0;
};

void PutLe(std::string* out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

std::string BuildZip(const std::vector<Entry>& entries) {
  std::string out;
  std::string directory;
  for (const Entry& e : entries) {
    uint32_t crc = Crc32(e.data);
    std::string common;  // version, flags, method, time, date, crc, sizes
    PutLe(&common, 20, 2);
    PutLe(&common, 0, 2);
    PutLe(&common, e.method, 2);
    PutLe(&common, 0, 4);
    PutLe(&common, crc, 4);
    PutLe(&common, e.data.size(), 4);
    PutLe(&common, e.data.size(), 4);
    PutLe(&common, e.name.size(), 2);
    PutLe(&common, 0, 2);

    PutLe(&directory, 0x02014b50, 4);
    PutLe(&directory, 20, 2);
    directory += common;
    PutLe(&directory, 0, 6);  // comment length, disk, internal attributes
    PutLe(&directory, 0, 4);  // external attributes
    PutLe(&directory, out.size(), 4);
    directory += e.name;

    PutLe(&out, 0x04034b50, 4);
    out += common + e.name + e.data;
  }
  size_t directory_offset = out.size();
  out += directory;
  PutLe(&out, 0x06054b50, 4);
  PutLe(&out, 0, 4);
  PutLe(&out, entries.size(), 2);
  PutLe(&out, entries.size(), 2);
  PutLe(&out, directory.size(), 4);
  PutLe(&out, directory_offset, 4);
  PutLe(&out, 0, 2);
  return out;
}

// The entries of a libtorch archive, renamed from archive/ to prefix/.
std::vector<Entry> Unzip(const std::string& bytes, const std::string& prefix) {
  Result<ZipReader> zip = ZipReader::Open(bytes);
  EXPECT_TRUE(zip.ok()) << zip.status().message();
  std::vector<Entry> entries;
  for (const ZipEntry& e : zip->entries()) {
    Result<std::string_view> data = zip->Read(e.name);
    EXPECT_TRUE(data.ok()) << data.status().message();
    std::string name = prefix + e.name.substr(e.name.find('/'));
    entries.push_back({name, std::string(*data)});
  }
  return entries;
}

Entry* Find(std::vector<Entry>* entries, const std::string& suffix) {
  for (Entry& e : *entries) {
    if (e.name.size() >= suffix.size() &&
        e.name.compare(e.name.size() - suffix.size(), suffix.size(),
                       suffix) == 0) {
      return &e;
    }
  }
  ADD_FAILURE() << "no entry " << suffix;
  return nullptr;
}

void Replace(std::string* text, const std::string& from,
             const std::string& to) {
  size_t at = text->find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text->replace(at, from.size(), to);
}

void ExpectRejected(const std::vector<Entry>& entries,
                    const std::string& fragment) {
  Result<Tensor> decoded = DecodeTorchSave(BuildZip(entries));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), Code::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find(fragment), std::string::npos)
      << decoded.status().message();
}

// Decodes what libtorch saved and checks shape, dtype and every element
// bit for bit against libtorch's own row-major copy.
void ExpectDecodesTo(const torch::Tensor& t, DType dtype) {
  Result<Tensor> decoded = DecodeTorchSave(Save(t));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->dtype, dtype);
  EXPECT_EQ(decoded->shape, t.sizes().vec());
  ASSERT_TRUE(Validate(*decoded).ok());

  torch::Tensor dense = t.contiguous();
  std::string expected(static_cast<const char*>(dense.data_ptr()),
                       dense.numel() * dense.element_size());
  EXPECT_EQ(decoded->data, expected);

  torch::Tensor as_double = dense.to(torch::kFloat64);
  std::vector<double> values(as_double.data_ptr<double>(),
                             as_double.data_ptr<double>() + t.numel());
  EXPECT_EQ(decoded->ToDoubles(), values);
}

TEST(TorchSaveTest, DecodesFloat32) {
  ExpectDecodesTo(torch::randn({3, 4}), DType::kFloat32);
}

TEST(TorchSaveTest, DecodesFloat64) {
  ExpectDecodesTo(torch::randn({2, 3, 2}, torch::kFloat64), DType::kFloat64);
}

TEST(TorchSaveTest, DecodesInt64) {
  ExpectDecodesTo(torch::randint(-1000000, 1000000, {5}, torch::kInt64),
                  DType::kInt64);
}

TEST(TorchSaveTest, DecodesInt32) {
  ExpectDecodesTo(torch::randint(-70000, 70000, {4, 2}, torch::kInt32),
                  DType::kInt32);
}

TEST(TorchSaveTest, DecodesUInt8) {
  ExpectDecodesTo(torch::randint(0, 256, {7}, torch::kUInt8), DType::kUInt8);
}

TEST(TorchSaveTest, DecodesBool) {
  ExpectDecodesTo(torch::randn({3, 3}) > 0, DType::kBool);
}

TEST(TorchSaveTest, DecodesZeroDimTensor) {
  torch::Tensor t = torch::tensor(3.25);
  ASSERT_EQ(t.dim(), 0);
  ExpectDecodesTo(t, DType::kFloat32);
}

TEST(TorchSaveTest, DecodesEmptyTensor) {
  ExpectDecodesTo(torch::zeros({0, 3}), DType::kFloat32);
}

TEST(TorchSaveTest, DecodesTensorThatRequiresGrad) {
  ExpectDecodesTo(torch::randn({2}, torch::requires_grad()),
                  DType::kFloat32);
}

TEST(TorchSaveTest, DecodesTransposedTensorInRowMajorOrder) {
  torch::Tensor t = torch::arange(12, torch::kFloat32).reshape({3, 4}).t();
  ASSERT_FALSE(t.is_contiguous());
  ExpectDecodesTo(t, DType::kFloat32);
}

TEST(TorchSaveTest, DecodesSliceWithStorageOffsetAndStrides) {
  torch::Tensor t =
      torch::arange(60, torch::kInt64).reshape({3, 4, 5}).slice(1, 1, 3)
          .slice(2, 2, 5, 2);
  ASSERT_FALSE(t.is_contiguous());
  ASSERT_GT(t.storage_offset(), 0);
  ExpectDecodesTo(t, DType::kInt64);
}

TEST(TorchSaveTest, DecodesBroadcastTensorWithZeroStride) {
  torch::Tensor t = torch::arange(3, torch::kFloat64).reshape({3, 1})
                        .expand({3, 4});
  ASSERT_EQ(t.stride(1), 0);
  ExpectDecodesTo(t, DType::kFloat64);
}

TEST(TorchSaveTest, DecodesLargeTensor) {
  ExpectDecodesTo(torch::randn({300, 301}), DType::kFloat32);
}

TEST(TorchSaveTest, ChecksLimitsBeforeCopying) {
  Limits limits;
  limits.max_elements = 11;
  Result<Tensor> decoded = DecodeTorchSave(Save(torch::zeros({3, 4})), limits);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), Code::kResourceExhausted);
}

TEST(TorchSaveTest, LoadTensorFileReadsPtAndPthFiles) {
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("dim_torch_save_" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(dir);
  torch::Tensor t = torch::randn({2, 5});
  for (const char* name : {"/x.pt", "/x.pth"}) {
    std::ofstream(dir + name, std::ios::binary) << Save(t);
    Result<Tensor> loaded = LoadTensorFile(dir + name, Limits());
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    EXPECT_EQ(loaded->shape, (std::vector<int64_t>{2, 5}));
  }
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------- damage

TEST(TorchSaveTest, RejectsEveryTruncation) {
  std::string bytes = Save(torch::arange(6, torch::kFloat32));
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(DecodeTorchSave(bytes.substr(0, size)).ok()) << size;
  }
}

TEST(TorchSaveTest, SurvivesEverySingleByteCorruption) {
  torch::Tensor t = torch::arange(6, torch::kFloat32).reshape({2, 3});
  std::string bytes = Save(t);
  int rejected = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char flip : {0x01, 0x80, 0xff}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ flip);
      Result<Tensor> decoded = DecodeTorchSave(damaged);
      if (!decoded.ok()) {
        ++rejected;
        continue;
      }
      // Damage that a zip reader may ignore (padding, times) must still
      // give back the saved tensor.
      EXPECT_TRUE(Validate(*decoded).ok()) << i;
      EXPECT_EQ(decoded->ToDoubles(),
                (std::vector<double>{0, 1, 2, 3, 4, 5})) << i;
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST(TorchSaveTest, RejectsCorruptedStorageByItsCrc) {
  torch::Tensor t = torch::arange(6, torch::kFloat32);
  std::string bytes = Save(t);
  std::string last(static_cast<const char*>(t.data_ptr()) + 20, 4);
  size_t at = bytes.find(last);
  ASSERT_NE(at, std::string::npos);
  bytes[at] ^= 0x10;
  Result<Tensor> decoded = DecodeTorchSave(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("CRC"), std::string::npos)
      << decoded.status().message();
}

TEST(TorchSaveTest, RejectsBytesThatAreNotAZip) {
  Result<Tensor> decoded = DecodeTorchSave(std::string(100, 'x'));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("not a zip"), std::string::npos);
}

TEST(TorchSaveTest, ReadsArchiveUnderAnyPrefixWithByteOrder) {
  // Python's torch.save names the folder after the file and, since
  // PyTorch 2.0, records the byte order.
  std::vector<Entry> entries =
      Unzip(Save(torch::arange(4, torch::kInt32)), "weights");
  entries.push_back({"weights/byteorder", "little"});
  Result<Tensor> decoded = DecodeTorchSave(BuildZip(entries));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->ToDoubles(), (std::vector<double>{0, 1, 2, 3}));

  entries.back().data = "big";
  ExpectRejected(entries, "byte order 'big'");
}

TEST(TorchSaveTest, RejectsCompressedEntry) {
  std::vector<Entry> entries = Unzip(Save(torch::ones({2})), "archive");
  Find(&entries, "/data.pkl")->method = 8;
  ExpectRejected(entries, "compressed (method 8)");
}

TEST(TorchSaveTest, RejectsUnsupportedStorageTypeNamingIt) {
  std::vector<Entry> entries = Unzip(Save(torch::ones({2})), "archive");
  Replace(&Find(&entries, "/data.pkl")->data, "FloatStorage", "HalfStorage");
  ExpectRejected(entries, "'torch.HalfStorage'");
}

TEST(TorchSaveTest, RejectsOtherRebuildFunctionNamingIt) {
  std::vector<Entry> entries = Unzip(Save(torch::ones({2})), "archive");
  Replace(&Find(&entries, "/data.pkl")->data, "_rebuild_tensor_v2",
          "_rebuild_parameter");
  ExpectRejected(entries, "'torch._utils._rebuild_parameter'");
}

TEST(TorchSaveTest, RejectsViewReachingPastItsStorage) {
  std::vector<Entry> entries =
      Unzip(Save(torch::ones({2, 3})), "archive");
  // BINPUT 5 follows the storage id; the BININT1 after it is the offset.
  Replace(&Find(&entries, "/data.pkl")->data, "q\x05K\x00"s, "q\x05K\x01"s);
  ExpectRejected(entries, "reaches element 6 of a storage of 6");
}

TEST(TorchSaveTest, RejectsStorageOfTheWrongSize) {
  std::vector<Entry> entries = Unzip(Save(torch::ones({2, 3})), "archive");
  Find(&entries, "/data/0")->data.resize(20);
  ExpectRejected(entries, "is 20 bytes but data.pkl says 6 elements");
}

TEST(TorchSaveTest, RejectsArchiveWithoutPickle) {
  std::vector<Entry> entries = Unzip(Save(torch::ones({2})), "archive");
  Find(&entries, "/data.pkl")->name = "archive/other.pkl";
  ExpectRejected(entries, "no <name>/data.pkl");
}

TEST(TorchSaveTest, RejectsMissingStorage) {
  std::vector<Entry> entries = Unzip(Save(torch::ones({2})), "archive");
  Find(&entries, "/data/0")->name = "archive/data/1";
  Result<Tensor> decoded = DecodeTorchSave(BuildZip(entries));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("'archive/data/0'"),
            std::string::npos)
      << decoded.status().message();
}

}  // namespace
}  // namespace dim::tensor
