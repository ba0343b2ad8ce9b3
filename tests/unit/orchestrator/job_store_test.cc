#include "core/orchestrator/job_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace dim::orchestrator {
namespace {

using dim::testing::ReadFile;
using dim::testing::TempDir;
using dim::testing::WriteFile;

dim::v1::Job MakeJob(const std::string& id, dim::v1::JobState state) {
  dim::v1::Job job;
  job.set_id(id);
  job.set_state(state);
  job.mutable_spec()->set_name("job-" + id);
  return job;
}

std::map<std::string, dim::v1::Job> Reopen(const std::string& dir) {
  std::map<std::string, dim::v1::Job> jobs;
  auto store = JobStore::Open(dir, Durability::kWrite, &jobs);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return jobs;
}

void WritePendingJobs(const std::string& dir,
                      const std::vector<std::string>& ids) {
  std::map<std::string, dim::v1::Job> none;
  auto store = JobStore::Open(dir, Durability::kWrite, &none);
  ASSERT_TRUE(store.ok()) << store.status().message();
  for (const auto& id : ids) {
    ASSERT_TRUE(
        (*store)->Put(MakeJob(id, dim::v1::JOB_STATE_PENDING), false).ok());
  }
}

TEST(JobStore, LastSnapshotOfEachJobWinsAfterReopening) {
  TempDir dir;
  {
    std::map<std::string, dim::v1::Job> none;
    auto store = JobStore::Open(dir.path(), Durability::kFsync, &none);
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE(none.empty());
    ASSERT_TRUE((*store)->Put(MakeJob("a", dim::v1::JOB_STATE_PENDING), true)
                    .ok());
    ASSERT_TRUE((*store)->Put(MakeJob("b", dim::v1::JOB_STATE_PENDING), true)
                    .ok());
    ASSERT_TRUE(
        (*store)->Put(MakeJob("a", dim::v1::JOB_STATE_SUCCEEDED), false).ok());
  }
  auto jobs = Reopen(dir.path());
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs["a"].state(), dim::v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(jobs["b"].state(), dim::v1::JOB_STATE_PENDING);
  EXPECT_EQ(jobs["b"].spec().name(), "job-b");
}

TEST(JobStore, TornLastRecordIsDroppedAndLaterAppendsSurvive) {
  TempDir dir;
  std::string path = dir.path() + "/jobs.journal";
  WritePendingJobs(dir.path(), {"a", "b"});
  // A crash in the middle of the second append.
  std::string bytes = ReadFile(path);
  ASSERT_EQ(truncate(path.c_str(), bytes.size() - 3), 0);
  {
    std::map<std::string, dim::v1::Job> jobs;
    auto store = JobStore::Open(dir.path(), Durability::kWrite, &jobs);
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_TRUE(jobs.count("a"));
    ASSERT_TRUE((*store)->Put(MakeJob("c", dim::v1::JOB_STATE_PENDING), false)
                    .ok());
  }
  auto jobs = Reopen(dir.path());
  EXPECT_EQ(jobs.size(), 2u);
  EXPECT_TRUE(jobs.count("a") && jobs.count("c"));
}

TEST(JobStore, CorruptRecordEndsTheReplay) {
  TempDir dir;
  std::string path = dir.path() + "/jobs.journal";
  WritePendingJobs(dir.path(), {"a", "b"});
  std::string bytes = ReadFile(path);
  bytes[bytes.size() - 2] ^= 0x5A;  // inside b's payload: its CRC fails
  WriteFile(path, bytes);
  auto jobs = Reopen(dir.path());
  EXPECT_EQ(jobs.size(), 1u);
  EXPECT_TRUE(jobs.count("a"));
}

TEST(JobStore, SecondStoreOnOneDirectoryIsRefused) {
  TempDir dir;
  std::map<std::string, dim::v1::Job> jobs;
  auto first = JobStore::Open(dir.path(), Durability::kWrite, &jobs);
  ASSERT_TRUE(first.ok());
  auto second = JobStore::Open(dir.path(), Durability::kWrite, &jobs);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            dir.path() + " is in use by another orchestrator (its LOCK is "
                         "held); give this one its own --data-dir");
  first->reset();
  EXPECT_TRUE(JobStore::Open(dir.path(), Durability::kWrite, &jobs).ok());
}

TEST(JobStore, JournalIsPrivateToItsOwner) {
  TempDir dir;
  Reopen(dir.path());
  struct stat st {};
  ASSERT_EQ(stat((dir.path() + "/jobs.journal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(JobStore, EveryWaiterHearsOnceItsRecordIsDurable) {
  TempDir dir;
  std::map<std::string, dim::v1::Job> none;
  auto store = JobStore::Open(dir.path(), Durability::kFsync, &none);
  ASSERT_TRUE(store.ok());
  std::atomic<int> heard{0};
  for (int i = 0; i < 50; ++i) {
    auto ticket =
        (*store)->Append(MakeJob(std::to_string(i), dim::v1::JOB_STATE_PENDING));
    ASSERT_TRUE(ticket.ok());
    (*store)->SyncThen(*ticket, [&heard](Status st) {
      EXPECT_TRUE(st.ok());
      ++heard;
    });
  }
  ASSERT_TRUE((*store)->Flush().ok());
  EXPECT_EQ(heard.load(), 50);
  store->reset();
  EXPECT_EQ(Reopen(dir.path()).size(), 50u);
}

}  // namespace
}  // namespace dim::orchestrator
