#include "core/tensor/zip_reader.h"

#include "core/util/text.h"

namespace dim::tensor {
namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kEncryptedFlag = 0x0001;

constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kMaxCommentSize = 0xffff;

// Reads a little-endian integer of width bytes at offset, or returns false
// when it would run past the end of bytes.
bool ReadLe(std::string_view bytes, uint64_t offset, size_t width,
            uint64_t* out) {
  if (offset > bytes.size() || width > bytes.size() - offset) return false;
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= static_cast<uint64_t>(
                 static_cast<unsigned char>(bytes[offset + i]))
             << (8 * i);
  }
  *out = value;
  return true;
}

// Like ReadLe, for fixed-size records already known to be in bounds.
uint64_t Le(std::string_view bytes, uint64_t offset, size_t width) {
  uint64_t value = 0;
  ReadLe(bytes, offset, width, &value);
  return value;
}

bool InBounds(uint64_t offset, uint64_t length, uint64_t limit) {
  return offset <= limit && length <= limit - offset;
}

Status Damaged(const std::string& what) {
  return InvalidArgument("damaged zip archive: " + what);
}

// Replaces the 32-bit fields that hold 0xffffffff with the 64-bit values of
// the ZIP64 extra field, in the order the format lists them.
Status ApplyZip64Extra(std::string_view extra, ZipEntry* entry) {
  uint64_t pos = 0;
  while (pos + 4 <= extra.size()) {
    uint64_t id = Le(extra, pos, 2);
    uint64_t length = Le(extra, pos + 2, 2);
    pos += 4;
    if (!InBounds(pos, length, extra.size())) {
      return Damaged("extra field of '" + entry->name + "' runs past its end");
    }
    if (id == kZip64ExtraId) {
      std::string_view field = extra.substr(pos, length);
      uint64_t at = 0;
      for (uint64_t* value : {&entry->size, &entry->compressed_size,
                              &entry->local_header_offset}) {
        if (*value != 0xffffffffu) continue;
        if (!ReadLe(field, at, 8, value)) {
          return Damaged("short ZIP64 field in '" + entry->name + "'");
        }
        at += 8;
      }
    }
    pos += length;
  }
  return Status::Ok();
}

}  // namespace

Result<ZipReader> ZipReader::Open(std::string_view bytes) {
  ZipReader reader(bytes);
  DIM_RETURN_IF_ERROR(reader.ReadDirectory());
  return reader;
}

Status ZipReader::ReadDirectory() {
  if (bytes_.size() < kEndSize) {
    return InvalidArgument("not a zip archive (" +
                           std::to_string(bytes_.size()) + " bytes)");
  }
  // The end record sits at the very end, before a comment of up to 64 KiB.
  uint64_t end = bytes_.size() - kEndSize;
  uint64_t lowest = end > kMaxCommentSize ? end - kMaxCommentSize : 0;
  while (Le(bytes_, end, 4) != kEndSignature ||
         end + kEndSize + Le(bytes_, end + 20, 2) > bytes_.size()) {
    if (end == lowest) {
      return InvalidArgument("not a zip archive (no end of directory)");
    }
    --end;
  }

  entry_count_ = Le(bytes_, end + 10, 2);
  directory_size_ = Le(bytes_, end + 12, 4);
  directory_offset_ = Le(bytes_, end + 16, 4);
  uint64_t directory_limit = end;
  if (entry_count_ == 0xffff || directory_size_ == 0xffffffffu ||
      directory_offset_ == 0xffffffffu) {
    DIM_RETURN_IF_ERROR(ReadZip64End(end, &directory_limit));
  }

  if (!InBounds(directory_offset_, directory_size_, directory_limit)) {
    return Damaged("central directory lies outside the archive");
  }
  if (entry_count_ > directory_size_ / kCentralHeaderSize) {
    return Damaged("central directory is too small for " +
                   std::to_string(entry_count_) + " entries");
  }
  size_t offset = directory_offset_;
  for (uint64_t i = 0; i < entry_count_; ++i) {
    ZipEntry entry;
    DIM_RETURN_IF_ERROR(ReadEntry(&offset, &entry));
    entries_.push_back(std::move(entry));
  }
  return Status::Ok();
}

Status ZipReader::ReadZip64End(uint64_t end, uint64_t* directory_limit) {
  if (end < kZip64LocatorSize ||
      Le(bytes_, end - kZip64LocatorSize, 4) != kZip64LocatorSignature) {
    return Damaged("ZIP64 sizes without a ZIP64 locator");
  }
  uint64_t record = Le(bytes_, end - kZip64LocatorSize + 8, 8);
  if (!InBounds(record, kZip64EndSize, end - kZip64LocatorSize) ||
      Le(bytes_, record, 4) != kZip64EndSignature) {
    return Damaged("ZIP64 end of directory is missing");
  }
  entry_count_ = Le(bytes_, record + 32, 8);
  directory_size_ = Le(bytes_, record + 40, 8);
  directory_offset_ = Le(bytes_, record + 48, 8);
  *directory_limit = record;
  return Status::Ok();
}

Status ZipReader::ReadEntry(size_t* offset, ZipEntry* entry) const {
  uint64_t limit = directory_offset_ + directory_size_;
  if (!InBounds(*offset, kCentralHeaderSize, limit) ||
      Le(bytes_, *offset, 4) != kCentralHeaderSignature) {
    return Damaged("bad central directory entry at offset " +
                   std::to_string(*offset));
  }
  uint64_t at = *offset;
  entry->flags = static_cast<uint16_t>(Le(bytes_, at + 8, 2));
  entry->method = static_cast<uint16_t>(Le(bytes_, at + 10, 2));
  entry->crc32 = static_cast<uint32_t>(Le(bytes_, at + 16, 4));
  entry->compressed_size = Le(bytes_, at + 20, 4);
  entry->size = Le(bytes_, at + 24, 4);
  entry->local_header_offset = Le(bytes_, at + 42, 4);
  uint64_t name_size = Le(bytes_, at + 28, 2);
  uint64_t extra_size = Le(bytes_, at + 30, 2);
  uint64_t comment_size = Le(bytes_, at + 32, 2);

  uint64_t variable = name_size + extra_size + comment_size;
  if (!InBounds(at + kCentralHeaderSize, variable, limit)) {
    return Damaged("central directory entry runs past the directory");
  }
  entry->name = std::string(bytes_.substr(at + kCentralHeaderSize, name_size));
  DIM_RETURN_IF_ERROR(ApplyZip64Extra(
      bytes_.substr(at + kCentralHeaderSize + name_size, extra_size), entry));
  *offset = at + kCentralHeaderSize + variable;
  return Status::Ok();
}

Result<std::string_view> ZipReader::Read(const std::string& name) const {
  const ZipEntry* entry = nullptr;
  for (const ZipEntry& e : entries_) {
    if (e.name == name) {
      entry = &e;
      break;
    }
  }
  if (entry == nullptr) {
    return NotFound("zip archive has no entry '" + name + "'");
  }
  if (entry->flags & kEncryptedFlag) {
    return InvalidArgument("zip entry '" + name + "' is encrypted");
  }
  if (entry->method != 0) {
    return InvalidArgument(
        "zip entry '" + name + "' is compressed (method " +
        std::to_string(entry->method) +
        "); only stored entries are supported, as torch.save writes them");
  }
  if (entry->compressed_size != entry->size) {
    return Damaged("stored entry '" + name + "' has two different sizes");
  }

  uint64_t header = entry->local_header_offset;
  if (!InBounds(header, kLocalHeaderSize, bytes_.size()) ||
      Le(bytes_, header, 4) != kLocalHeaderSignature) {
    return Damaged("bad local header for '" + name + "'");
  }
  uint64_t start = header + kLocalHeaderSize + Le(bytes_, header + 26, 2) +
                   Le(bytes_, header + 28, 2);
  if (!InBounds(start, entry->size, bytes_.size())) {
    return Damaged("entry '" + name + "' runs past the end of the archive");
  }

  std::string_view data = bytes_.substr(start, entry->size);
  if (Crc32(data) != entry->crc32) {
    return Damaged("entry '" + name + "' fails its CRC check");
  }
  return data;
}

}  // namespace dim::tensor
