// The job lifecycle: PENDING -> SCHEDULED -> RUNNING -> SUCCEEDED | FAILED
// | CANCELLED, each transition recorded with its time and reason. Jobs are
// validated and written to the journal before Submit returns, queued by
// priority (then by arrival), and started while fewer than
// max_concurrent_jobs run. A running job holds no thread: its tasks are
// RPCs in flight, and the completion of the last one finishes it. Jobs
// found unfinished in the journal at start are queued again.
// Thread-safe; every method may be called from any gRPC thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/job/job.h"
#include "core/orchestrator/dispatcher.h"
#include "core/orchestrator/job_store.h"
#include "core/mesh/registry.h"
#include "core/tensor/limits.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

struct ManagerOptions {
  std::string orchestrator_id;
  int max_concurrent_jobs = 32;
  std::chrono::milliseconds default_timeout{std::chrono::minutes(5)};
  job::JobLimits job_limits;
  tensor::Limits tensor_limits;
};

class JobManager {
 public:
  // Borrows store, registry and dispatcher. `recovered` is what the store
  // found at start; its unfinished jobs start at once.
  JobManager(ManagerOptions options, JobStore* store,
             mesh::NodeRegistry* registry, Dispatcher* dispatcher,
             std::map<std::string, dim::v1::Job> recovered);
  ~JobManager();

  // Validates the spec against the job limits and what the registered
  // nodes say about models and shapes; with dry_run stops there.
  // Otherwise queues the job, which may start at once, and calls
  // `accepted` when its record is on disk. `accepted` is called exactly
  // once: on this thread for a rejection or a dry run, else on the
  // journal's thread; it must not block.
  using Accepted = std::function<void(Result<dim::v1::SubmitJobResponse>)>;
  // The job belongs to `user` (empty when authentication is off).
  void Submit(const dim::v1::JobSpec& spec, bool dry_run,
              const std::string& user, Accepted accepted);
  Result<dim::v1::Job> Get(const std::string& id) const;
  // Newest first; states filter when not empty; limit 0 means all; only
  // the jobs of *user when it is not null.
  std::vector<dim::v1::Job> List(const std::set<int>& states, int limit,
                                 const std::string* user = nullptr) const;
  // Cancels a job that has not finished; a finished job is returned as it
  // is. The job is CANCELLED when this returns.
  Result<dim::v1::Job> Cancel(const std::string& id, const std::string& why);

  // Blocks until the job has changed since `*version` (0: return at once)
  // or `deadline` passes; updates *version. kNotFound for unknown ids.
  Result<dim::v1::Job> WaitForChange(
      const std::string& id, uint64_t* version,
      std::chrono::system_clock::time_point deadline) const;

  // Calls `done` once, with the job as it then is, when it finishes or
  // when the manager shuts down (then the job is not finished); at once if
  // it has finished already. `done` runs on whichever thread ended the
  // job and must not block. kNotFound for unknown ids.
  using Ended = std::function<void(const dim::v1::Job&)>;
  Status WhenEnded(const std::string& id, Ended done);

  bool stopping() const;

  // Jobs waiting for a slot and jobs started, for load sharing.
  struct Load {
    int queued = 0;
    int running = 0;
    int capacity = 0;
  };
  Load CurrentLoad() const;

  // Stops taking work, cancels running jobs' RPCs and waits (a few
  // seconds at most) for them to end. Unfinished jobs stay in the journal
  // and run again at the next start.
  void Shutdown();

 private:
  struct Entry {
    dim::v1::Job job;
    uint64_t version = 1;
    int64_t seq = 0;
    std::shared_ptr<JobControl> control;
    mutable std::condition_variable changed;  // waits with mutex_ held
    std::vector<Ended> on_end;
  };
  struct QueueOrder {
    bool operator()(const Entry* a, const Entry* b) const;
  };

  Status CheckAgainstNodes(const dim::v1::JobSpec& spec) const;
  // Cancel, optionally without waiting for the record to reach the disk.
  Result<dim::v1::Job> CancelJob(const std::string& id, const std::string& why,
                                 bool sync);
  void Enqueue(Entry* entry);
  // Starts queued jobs while there is room. Whoever finds another thread
  // pumping leaves the work to it.
  void Pump();
  // Under mutex_: makes the job SCHEDULED and returns what StartJob needs.
  std::shared_ptr<JobControl> PrepareLocked(Entry* entry);
  void Transition(Entry* entry, dim::v1::JobState state,
                  const std::string& reason);
  void SetReason(const std::string& id, const std::string& reason);
  void Finish(const std::string& id, Result<dim::v1::JobResult> result);
  void RecordEndLocked(Entry* entry, Result<dim::v1::JobResult> result);
  std::string NewId();

  const ManagerOptions options_;
  JobStore* const store_;
  mesh::NodeRegistry* const registry_;
  Dispatcher* const dispatcher_;

  mutable std::mutex mutex_;
  std::condition_variable idle_;  // running_ went down
  std::map<std::string, std::unique_ptr<Entry>> jobs_;  // guarded by mutex_
  std::vector<Entry*> queue_;  // a heap by QueueOrder; guarded by mutex_
  int64_t next_seq_ = 0;       // guarded by mutex_
  int running_ = 0;            // jobs started, not finished; by mutex_
  bool pumping_ = false;       // guarded by mutex_
  bool pump_again_ = false;    // guarded by mutex_
  bool stopping_ = false;      // guarded by mutex_
};

bool IsTerminal(dim::v1::JobState state);
const char* JobStateName(dim::v1::JobState state);

}  // namespace dim::orchestrator
