// The orchestrator's durable record of jobs: an append-only journal of
// dim.v1.Job snapshots in data_dir/jobs.journal. A job is written before
// the client hears that it was accepted, so a crash after that point cannot
// lose it; on start the journal is replayed (the last snapshot of each job
// wins), a torn final record is discarded, and the file is compacted.
//
// Record layout: u32 payload length, u32 CRC-32 of the payload, payload
// (a serialized dim.v1.Job), integers little-endian.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <functional>
#include <thread>
#include <utility>
#include <vector>
#include <map>
#include <mutex>
#include <string>

#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

enum class Durability {
  kFsync,  // fdatasync after a write that must survive a machine crash
  kWrite,  // write(2) only: survives a crash of the process, not the host
};

class JobStore {
 public:
  // Opens or creates dir/jobs.journal, creating dir if needed. Fills
  // *recovered with the last snapshot of every job found. One store per
  // directory: a second one (in this or another process) fails with
  // kFailedPrecondition while the first is open.
  static Result<std::unique_ptr<JobStore>> Open(
      const std::string& dir, Durability durability,
      std::map<std::string, dim::v1::Job>* recovered);
  ~JobStore();

  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  // Appends a snapshot; with `sync`, also Sync()s it. Thread-safe.
  Status Put(const dim::v1::Job& job, bool sync);

  // Appends a snapshot without waiting for the disk; returns a ticket for
  // Sync. Thread-safe.
  Result<uint64_t> Append(const dim::v1::Job& job);
  // Calls `durable` once every append up to `ticket` is on stable
  // storage (with kFsync durability; at once, on this thread, with
  // kWrite), or with the error that prevented it. A thread of the store's
  // own runs fdatasync for everything appended so far whenever someone
  // waits, so concurrent submitters share one disk flush. `durable` runs
  // on that thread and must not block. Thread-safe.
  using Durable = std::function<void(Status)>;
  void SyncThen(uint64_t ticket, Durable durable);
  // The same, blocking until then.
  Status Sync(uint64_t ticket);
  // Syncs everything appended so far; when it returns, every `durable`
  // callback for those appends has run.
  Status Flush();

  const std::string& path() const { return path_; }

 private:
  JobStore(std::string path, int fd, int lock_fd, Durability durability);
  void SyncLoop();

  const std::string path_;
  const Durability durability_;
  const int fd_;
  const int lock_fd_;  // holds an exclusive flock on dir/LOCK
  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t appended_ = 0;  // guarded by mutex_
  uint64_t synced_ = 0;    // guarded by mutex_
  Status sync_error_;      // guarded by mutex_; sticky once set
  std::vector<std::pair<uint64_t, Durable>> waiting_;  // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::thread syncer_;     // only with kFsync
};

}  // namespace dim::orchestrator
