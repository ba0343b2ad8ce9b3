#include "core/orchestrator/job_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <vector>

#include "core/util/text.h"

namespace dim::orchestrator {
namespace {

constexpr size_t kHeaderBytes = 8;
// A job snapshot is far smaller; anything larger is a corrupt length.
constexpr uint32_t kMaxRecordBytes = 256u << 20;

std::string ErrnoText() { return std::strerror(errno); }

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

std::string Frame(const dim::v1::Job& job) {
  std::string payload = job.SerializeAsString();
  std::string record;
  record.reserve(kHeaderBytes + payload.size());
  PutU32(&record, static_cast<uint32_t>(payload.size()));
  PutU32(&record, Crc32(payload));
  record += payload;
  return record;
}

Status WriteAll(int fd, const std::string& bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(path + ": write failed: " + ErrnoText());
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Replays every intact record; stops at the first torn or corrupt one,
// which can only be the tail of an interrupted append.
void Replay(const std::string& bytes,
            std::map<std::string, dim::v1::Job>* jobs) {
  size_t pos = 0;
  while (bytes.size() - pos >= kHeaderBytes) {
    uint32_t len = GetU32(bytes.data() + pos);
    uint32_t crc = GetU32(bytes.data() + pos + 4);
    if (len > kMaxRecordBytes || bytes.size() - pos - kHeaderBytes < len) {
      return;
    }
    std::string payload = bytes.substr(pos + kHeaderBytes, len);
    dim::v1::Job job;
    if (Crc32(payload) != crc || !job.ParseFromString(payload)) return;
    (*jobs)[job.id()] = std::move(job);
    pos += kHeaderBytes + len;
  }
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Internal(dir + ": open failed: " + ErrnoText());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Internal(dir + ": fsync failed: " + ErrnoText());
  return Status::Ok();
}

// Writes the compacted journal beside the old one and renames it over,
// so that a crash leaves either the old or the new file whole.
Status Rewrite(const std::string& dir, const std::string& path,
               const std::map<std::string, dim::v1::Job>& jobs) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  0600);
  if (fd < 0) return Internal(tmp + ": cannot create: " + ErrnoText());
  std::string all;
  for (const auto& [id, job] : jobs) all += Frame(job);
  Status st = WriteAll(fd, all, tmp);
  if (st.ok() && ::fdatasync(fd) != 0) {
    st = Internal(tmp + ": fdatasync failed: " + ErrnoText());
  }
  ::close(fd);
  DIM_RETURN_IF_ERROR(st);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Internal(tmp + ": rename failed: " + ErrnoText());
  }
  return SyncDir(dir);
}

// Two orchestrators appending to one journal would corrupt it.
Result<int> LockDirectory(const std::string& dir) {
  std::string path = dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Internal(path + ": cannot open: " + ErrnoText());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return FailedPrecondition(dir + " is in use by another orchestrator "
                              "(its LOCK is held); give this one its own "
                              "--data-dir");
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<JobStore>> JobStore::Open(
    const std::string& dir, Durability durability,
    std::map<std::string, dim::v1::Job>* recovered) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal(dir + ": cannot create directory: " + ec.message());
  std::string path = dir + "/jobs.journal";
  auto lock_fd = LockDirectory(dir);
  if (!lock_fd.ok()) return lock_fd.status();

  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    Replay(bytes, recovered);
  }
  Status rewritten = Rewrite(dir, path, *recovered);
  int fd = rewritten.ok()
               ? ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC)
               : -1;
  if (fd < 0) {
    ::close(*lock_fd);
    if (!rewritten.ok()) return rewritten;
    return Internal(path + ": cannot open: " + ErrnoText());
  }
  return std::unique_ptr<JobStore>(
      new JobStore(path, fd, *lock_fd, durability));
}

JobStore::JobStore(std::string path, int fd, int lock_fd,
                   Durability durability)
    : path_(std::move(path)), durability_(durability), fd_(fd),
      lock_fd_(lock_fd) {
  if (durability_ == Durability::kFsync) {
    syncer_ = std::thread([this] { SyncLoop(); });
  }
}

JobStore::~JobStore() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  ::close(fd_);
  ::close(lock_fd_);
}

Status JobStore::Put(const dim::v1::Job& job, bool sync) {
  Result<uint64_t> ticket = Append(job);
  if (!ticket.ok()) return ticket.status();
  return sync ? Sync(*ticket) : Status::Ok();
}

Result<uint64_t> JobStore::Append(const dim::v1::Job& job) {
  std::string record = Frame(job);
  std::lock_guard<std::mutex> lock(mutex_);
  struct stat before {};
  if (::fstat(fd_, &before) != 0) {
    return Internal(path_ + ": fstat failed: " + ErrnoText());
  }
  Status written = WriteAll(fd_, record, path_);
  if (!written.ok()) {
    // Cut the partial record off so that later appends stay readable.
    if (::ftruncate(fd_, before.st_size) != 0) {
      return written.WithContext("and truncating failed");
    }
    return written;
  }
  return ++appended_;
}

void JobStore::SyncThen(uint64_t ticket, Durable durable) {
  if (durability_ != Durability::kFsync) return durable(Status::Ok());
  std::unique_lock<std::mutex> lock(mutex_);
  if (synced_ >= ticket || !sync_error_.ok()) {
    Status now = synced_ >= ticket ? Status::Ok() : sync_error_;
    lock.unlock();
    return durable(now);
  }
  waiting_.emplace_back(ticket, std::move(durable));
  wake_.notify_one();
}

Status JobStore::Sync(uint64_t ticket) {
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  SyncThen(ticket, [&promise](Status st) { promise.set_value(st); });
  return future.get();
}

Status JobStore::Flush() {
  uint64_t last = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last = appended_;
  }
  // Waiters are called in the order they came, and this one came last.
  return Sync(last);
}

void JobStore::SyncLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    if (waiting_.empty()) return;  // stopping, nothing owed
    uint64_t covers = appended_;
    lock.unlock();
    int rc = ::fdatasync(fd_);
    std::string why = rc == 0 ? "" : ErrnoText();
    lock.lock();
    if (rc == 0) {
      synced_ = covers;
    } else if (sync_error_.ok()) {
      sync_error_ = Internal(path_ + ": fdatasync failed: " + why);
    }
    std::vector<std::pair<uint64_t, Durable>> ready;
    auto owed = waiting_.begin();
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      if (it->first <= synced_ || !sync_error_.ok()) {
        ready.push_back(std::move(*it));
      } else {
        if (owed != it) *owed = std::move(*it);
        ++owed;
      }
    }
    waiting_.erase(owed, waiting_.end());
    Status outcome = sync_error_;
    lock.unlock();
    for (auto& [ticket, durable] : ready) durable(outcome);
    lock.lock();
  }
}

}  // namespace dim::orchestrator
