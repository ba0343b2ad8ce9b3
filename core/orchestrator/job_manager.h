// The job lifecycle: PENDING -> SCHEDULED -> RUNNING -> SUCCEEDED | FAILED
// | CANCELLED, each transition recorded with its time and reason. Jobs are
// validated and written to the journal before Submit returns, queued by
// priority (then by arrival), and run by a fixed set of worker threads.
// Jobs found unfinished in the journal at start are queued again.
// Thread-safe; every method may be called from any gRPC thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/job/job.h"
#include "core/orchestrator/dispatcher.h"
#include "core/orchestrator/job_store.h"
#include "core/orchestrator/registry.h"
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
  // found at start. Starts the workers.
  JobManager(ManagerOptions options, JobStore* store, NodeRegistry* registry,
             Dispatcher* dispatcher,
             std::map<std::string, dim::v1::Job> recovered);
  ~JobManager();

  // Validates the spec against the job limits and what the registered
  // nodes say about models and shapes; with dry_run stops there. Otherwise
  // the job is in the journal when this returns ok.
  Result<dim::v1::SubmitJobResponse> Submit(const dim::v1::JobSpec& spec,
                                            bool dry_run);
  Result<dim::v1::Job> Get(const std::string& id) const;
  // Newest first; states filter when not empty; limit 0 means all.
  std::vector<dim::v1::Job> List(const std::set<int>& states,
                                 int limit) const;
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

  // Stops taking work, cancels running jobs' RPCs and joins the workers.
  // Unfinished jobs stay in the journal and run again at the next start.
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
  void Enqueue(Entry* entry);
  void WorkerLoop();
  void RunOne(const std::string& id);
  void Transition(Entry* entry, dim::v1::JobState state,
                  const std::string& reason);
  void SetReason(const std::string& id, const std::string& reason);
  void Finish(const std::string& id, Result<dim::v1::JobResult> result);
  std::string NewId();

  const ManagerOptions options_;
  JobStore* const store_;
  NodeRegistry* const registry_;
  Dispatcher* const dispatcher_;

  mutable std::mutex mutex_;
  std::condition_variable work_;             // the queue grew or stopping
  std::map<std::string, std::unique_ptr<Entry>> jobs_;  // guarded by mutex_
  std::vector<Entry*> queue_;  // a heap by QueueOrder; guarded by mutex_
  int64_t next_seq_ = 0;       // guarded by mutex_
  bool stopping_ = false;      // guarded by mutex_
  std::vector<std::thread> workers_;
};

bool IsTerminal(dim::v1::JobState state);
const char* JobStateName(dim::v1::JobState state);

}  // namespace dim::orchestrator
