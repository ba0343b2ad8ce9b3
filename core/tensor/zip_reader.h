// A reader for zip archives held in memory, enough for the archives that
// torch.save and torch::pickle_save write: stored (uncompressed) entries,
// optionally with ZIP64 sizes. Every offset is checked against the buffer,
// so a damaged or hostile archive yields an error, never a bad read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/status.h"

namespace dim::tensor {

struct ZipEntry {
  std::string name;
  uint16_t flags = 0;
  uint16_t method = 0;  // 0 is stored; anything else is compressed
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;
  uint64_t local_header_offset = 0;
};


// Holds a view of the archive bytes, which must outlive the reader.
class ZipReader {
 public:
  // Reads the central directory. Fails with kInvalidArgument when the
  // bytes are not a zip archive or its directory is damaged.
  static Result<ZipReader> Open(std::string_view bytes);

  const std::vector<ZipEntry>& entries() const { return entries_; }

  // The contents of the entry called name, a view into the archive bytes.
  // Fails with kNotFound when there is no such entry and kInvalidArgument
  // when it is compressed, encrypted, out of bounds or fails its CRC.
  Result<std::string_view> Read(const std::string& name) const;

 private:
  explicit ZipReader(std::string_view bytes) : bytes_(bytes) {}

  Status ReadDirectory();
  Status ReadZip64End(uint64_t end, uint64_t* directory_limit);
  Status ReadEntry(size_t* offset, ZipEntry* entry) const;

  std::string_view bytes_;
  uint64_t directory_offset_ = 0;
  uint64_t directory_size_ = 0;
  uint64_t entry_count_ = 0;
  std::vector<ZipEntry> entries_;
};

}  // namespace dim::tensor
