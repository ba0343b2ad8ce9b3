#include "core/orchestrator/job_manager.h"

#include <algorithm>
#include <optional>
#include <random>

#include "core/metrics/registry.h"
#include "core/orchestrator/patterns.h"
#include "core/orchestrator/shape_check.h"
#include "core/tensor/wire.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace dim::orchestrator {
namespace {

using SystemClock = std::chrono::system_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             SystemClock::now().time_since_epoch()).count();
}

std::vector<std::string> ModelsOf(const dim::v1::JobSpec& spec) {
  switch (spec.pattern()) {
    case dim::v1::PATTERN_COLLABORATIVE:
      return {spec.collaborative().model()};
    case dim::v1::PATTERN_COMPARATIVE:
      return {spec.comparative().models().begin(),
              spec.comparative().models().end()};
    case dim::v1::PATTERN_CHAINED: {
      std::vector<std::string> models;
      for (const auto& step : spec.chained().steps()) {
        models.push_back(step.model());
      }
      return models;
    }
    default:
      return {};
  }
}

// The job metrics every orchestrator has always reported; they go to the
// process's registry, which the server exports.
struct JobMetrics {
  metrics::Family<metrics::Counter>* submitted;
  metrics::Family<metrics::Counter>* completed;
  metrics::Histogram* duration;
  metrics::Gauge* active;
};

const JobMetrics& Metrics() {
  static const JobMetrics m = [] {
    metrics::Registry& r = metrics::Default();
    return JobMetrics{
        &r.CounterFamily({"dim.jobs.submitted",
                          "Jobs accepted, by pattern", "", {"pattern"}}),
        &r.CounterFamily({"dim.jobs.completed",
                          "Jobs that reached an end state, by that state",
                          "", {"status"}}),
        &r.GetHistogram({"dim.jobs.duration",
                         "Time from a job's submission to its end",
                         "seconds"}),
        &r.GetGauge({"dim.jobs.active",
                     "Jobs started and not yet finished"}),
    };
  }();
  return m;
}

const char* PatternLabel(dim::v1::Pattern pattern) {
  switch (pattern) {
    case dim::v1::PATTERN_COLLABORATIVE: return "collaborative";
    case dim::v1::PATTERN_COMPARATIVE: return "comparative";
    case dim::v1::PATTERN_CHAINED: return "chained";
    default: return "unspecified";
  }
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

}  // namespace

bool IsTerminal(dim::v1::JobState state) {
  return state == dim::v1::JOB_STATE_SUCCEEDED ||
         state == dim::v1::JOB_STATE_FAILED ||
         state == dim::v1::JOB_STATE_CANCELLED;
}

const char* JobStateName(dim::v1::JobState state) {
  switch (state) {
    case dim::v1::JOB_STATE_PENDING: return "PENDING";
    case dim::v1::JOB_STATE_SCHEDULED: return "SCHEDULED";
    case dim::v1::JOB_STATE_RUNNING: return "RUNNING";
    case dim::v1::JOB_STATE_SUCCEEDED: return "SUCCEEDED";
    case dim::v1::JOB_STATE_FAILED: return "FAILED";
    case dim::v1::JOB_STATE_CANCELLED: return "CANCELLED";
    default: return "UNKNOWN";
  }
}

bool JobManager::QueueOrder::operator()(const Entry* a, const Entry* b) const {
  // std::push_heap keeps the largest on top: the highest priority, then
  // the earliest arrival.
  if (a->job.spec().priority() != b->job.spec().priority()) {
    return a->job.spec().priority() < b->job.spec().priority();
  }
  return a->seq > b->seq;
}

JobManager::JobManager(ManagerOptions options, JobStore* store,
                       mesh::NodeRegistry* registry, Dispatcher* dispatcher,
                       std::map<std::string, dim::v1::Job> recovered)
    : options_(std::move(options)), store_(store), registry_(registry),
      dispatcher_(dispatcher) {
  std::vector<Entry*> requeue;
  for (auto& [id, job] : recovered) {
    auto entry = std::make_unique<Entry>();
    entry->job = std::move(job);
    if (!IsTerminal(entry->job.state())) requeue.push_back(entry.get());
    jobs_[id] = std::move(entry);
  }
  // Oldest first, so that requeued jobs keep their relative order.
  std::sort(requeue.begin(), requeue.end(), [](Entry* a, Entry* b) {
    return a->job.created_ms() < b->job.created_ms();
  });
  for (Entry* entry : requeue) {
    Transition(entry, dim::v1::JOB_STATE_PENDING,
               "orchestrator restarted; job queued again");
    Status st = store_->Put(entry->job, /*sync=*/false);
    if (!st.ok()) DIM_LOG(Error, "jobs") << st.message();
    Enqueue(entry);
  }
  if (!requeue.empty()) {
    DIM_LOG(Info, "jobs") << "requeued " << requeue.size()
                          << " unfinished job(s) from " << store_->path();
  }
  Pump();
}

JobManager::~JobManager() { Shutdown(); }

JobManager::Load JobManager::CurrentLoad() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return Load{static_cast<int>(queue_.size()), running_,
              options_.max_concurrent_jobs};
}

std::string JobManager::NewId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[24];
  std::snprintf(buf, sizeof buf, "j-%012llx",
                static_cast<unsigned long long>(rng() & 0xFFFFFFFFFFFFull));
  return buf;
}

Status JobManager::CheckAgainstNodes(const dim::v1::JobSpec& spec) const {
  for (const auto& model : ModelsOf(spec)) {
    if (!registry_->FindModel(model)) {
      return InvalidArgument("unknown model '" + model +
                             "': no registered node serves it (known: " +
                             Join(registry_->KnownModels()) + ")");
    }
  }
  switch (spec.pattern()) {
    case dim::v1::PATTERN_COMPARATIVE:
      for (const auto& model : spec.comparative().models()) {
        DIM_RETURN_IF_ERROR(
            CheckInput(*registry_->FindModel(model), spec.input()));
      }
      return Status::Ok();
    case dim::v1::PATTERN_CHAINED:
      return CheckInput(*registry_->FindModel(spec.chained().steps(0).model()),
                        spec.input());
    case dim::v1::PATTERN_COLLABORATIVE: {
      const auto& c = spec.collaborative();
      auto model = registry_->FindModel(c.model());
      for (const auto& name : c.datasets()) {
        auto dataset = registry_->FindDataset(name);
        if (dataset) {
          DIM_RETURN_IF_ERROR(CheckDataset(*model, *dataset));
        }
      }
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
}

void JobManager::Submit(const dim::v1::JobSpec& spec, bool dry_run,
                        const std::string& user, Accepted accepted) {
  Status valid = job::ValidateJobSpec(spec, options_.job_limits);
  if (valid.ok() && spec.pattern() != dim::v1::PATTERN_COLLABORATIVE) {
    auto input = tensor::FromProto(spec.input(), options_.tensor_limits);
    // Over a limit or not, the input is the client's to fix: not
    // RESOURCE_EXHAUSTED, which tells clients to wait and retry.
    if (!input.ok()) {
      valid = InvalidArgument("input: " + input.status().message());
    }
  }
  if (valid.ok()) valid = CheckAgainstNodes(spec);
  if (!valid.ok()) return accepted(valid);

  dim::v1::SubmitJobResponse response;
  response.set_owner(options_.orchestrator_id);
  if (dry_run) return accepted(response);

  auto entry = std::make_unique<Entry>();
  entry->job.set_id(NewId());
  *entry->job.mutable_spec() = spec;
  entry->job.set_owner(options_.orchestrator_id);
  entry->job.set_user(user);
  entry->job.set_created_ms(NowMs());
  Transition(entry.get(), dim::v1::JOB_STATE_PENDING, "accepted");

  std::string id = entry->job.id();
  response.set_id(id);
  response.set_state(dim::v1::JOB_STATE_PENDING);
  Result<uint64_t> ticket = 0;
  {
    // Under the lock, so that a job refused because of a shutdown is not
    // in the journal either, to run after the restart.
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      return accepted(Unavailable("orchestrator is shutting down"));
    }
    ticket = store_->Append(entry->job);
    if (!ticket.ok()) return accepted(ticket.status());
    Entry* raw = entry.get();
    jobs_[id] = std::move(entry);
    Enqueue(raw);
  }
  Metrics().submitted->WithLabels({PatternLabel(spec.pattern())}).Increment();
  Pump();
  // The job may start while its record reaches the disk; the client hears
  // "accepted" only after that. A job that cannot be made durable is
  // cancelled and the client told.
  store_->SyncThen(*ticket, [this, id, response, accepted](Status synced) {
    if (synced.ok()) return accepted(response);
    DIM_LOG(Error, "jobs") << synced.message();
    CancelJob(id, "the job journal could not be written: " +
                      synced.message(), /*sync=*/false);
    accepted(synced);
  });
}

void JobManager::Enqueue(Entry* entry) {
  entry->seq = next_seq_++;
  queue_.push_back(entry);
  std::push_heap(queue_.begin(), queue_.end(), QueueOrder());
}

void JobManager::Transition(Entry* entry, dim::v1::JobState state,
                            const std::string& reason) {
  int64_t now = NowMs();
  auto* t = entry->job.add_history();
  t->set_state(state);
  t->set_time_ms(now);
  t->set_reason(reason);
  entry->job.set_state(state);
  entry->job.set_reason(reason);
  entry->job.set_updated_ms(now);
  ++entry->version;
  entry->changed.notify_all();
  // Every end goes through here exactly once: a finished job is never
  // moved on.
  if (IsTerminal(state)) {
    Metrics().completed->WithLabels({Lowercase(JobStateName(state))})
        .Increment();
    Metrics().duration->Observe((now - entry->job.created_ms()) / 1000.0);
  }
}

void JobManager::Pump() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  pumping_ = true;
  do {
    pump_again_ = false;
    while (!stopping_ && running_ < options_.max_concurrent_jobs &&
           !queue_.empty()) {
      std::pop_heap(queue_.begin(), queue_.end(), QueueOrder());
      Entry* entry = queue_.back();
      queue_.pop_back();
      if (entry->job.state() != dim::v1::JOB_STATE_PENDING) continue;
      ++running_;
      Metrics().active->Add(1);
      std::shared_ptr<JobControl> control = PrepareLocked(entry);
      dim::v1::JobSpec spec = entry->job.spec();
      std::string id = entry->job.id();
      lock.unlock();
      StartJob(spec, dispatcher_, control,
               [this, id](Result<dim::v1::JobResult> result) {
                 Finish(id, std::move(result));
               });
      lock.lock();
    }
  } while (pump_again_);
  pumping_ = false;
}

std::shared_ptr<JobControl> JobManager::PrepareLocked(Entry* entry) {
  const std::string id = entry->job.id();
  const auto& spec = entry->job.spec();
  auto timeout = spec.timeout_ms() > 0
                     ? std::chrono::milliseconds(spec.timeout_ms())
                     : options_.default_timeout;
  JobControl::Hooks hooks;
  hooks.on_dispatch = [this, id](const std::string& node_id) {
    std::lock_guard<std::mutex> hook_lock(mutex_);
    Entry* e = jobs_.at(id).get();
    if (e->job.state() == dim::v1::JOB_STATE_SCHEDULED) {
      Transition(e, dim::v1::JOB_STATE_RUNNING, "task sent to " + node_id);
    }
  };
  hooks.on_wait = [this, id](const std::string& why) {
    SetReason(id, why.empty() ? "running" : "waiting: " + why);
  };
  auto control = std::make_shared<JobControl>(
      id, SystemClock::now() + timeout, std::move(hooks));
  entry->control = control;
  Transition(entry, dim::v1::JOB_STATE_SCHEDULED, "started");
  return control;
}

void JobManager::SetReason(const std::string& id, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry* entry = jobs_.at(id).get();
  if (IsTerminal(entry->job.state()) || entry->job.reason() == reason) return;
  entry->job.set_reason(reason);
  entry->job.set_updated_ms(NowMs());
  ++entry->version;
  entry->changed.notify_all();
}

void JobManager::Finish(const std::string& id,
                        Result<dim::v1::JobResult> result) {
  std::optional<dim::v1::Job> snapshot;
  std::vector<Ended> waiters;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
    Metrics().active->Add(-1);
    idle_.notify_all();
    Entry* entry = jobs_.at(id).get();
    entry->control.reset();
    // Cancelled meanwhile (already recorded), or interrupted by shutdown:
    // the journal still says PENDING, so the job runs again at next start.
    bool record = !IsTerminal(entry->job.state()) &&
                  !(stopping_ && !result.ok());
    if (record) {
      RecordEndLocked(entry, std::move(result));
      snapshot = entry->job;
      waiters.swap(entry->on_end);
    }
  }
  if (snapshot) {
    Status st = store_->Put(*snapshot, /*sync=*/false);
    if (!st.ok()) DIM_LOG(Error, "jobs") << st.message();
    for (auto& done : waiters) done(*snapshot);
    DIM_LOG(Debug, "jobs") << "job " << id << " "
                           << JobStateName(snapshot->state()) << ": "
                           << snapshot->reason();
  }
  Pump();
}

void JobManager::RecordEndLocked(Entry* entry,
                                 Result<dim::v1::JobResult> result) {
  if (result.ok()) {
    *entry->job.mutable_result() = std::move(result).value();
    Transition(entry, dim::v1::JOB_STATE_SUCCEEDED, "completed");
  } else if (result.status().code() == Code::kDeadlineExceeded) {
    Transition(entry, dim::v1::JOB_STATE_FAILED,
               "timed out: " + result.status().message());
  } else {
    Transition(entry, dim::v1::JOB_STATE_FAILED, result.status().message());
  }
}

Result<dim::v1::Job> JobManager::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return NotFound("no job '" + id + "'");
  return it->second->job;
}

std::vector<dim::v1::Job> JobManager::List(const std::set<int>& states,
                                           int limit,
                                           const std::string* user) const {
  std::vector<dim::v1::Job> out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [id, entry] : jobs_) {
      if (user && entry->job.user() != *user) continue;
      if (states.empty() || states.count(entry->job.state())) {
        out.push_back(entry->job);
        out.back().clear_result();
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.created_ms() != b.created_ms() ? a.created_ms() > b.created_ms()
                                            : a.id() > b.id();
  });
  if (limit > 0 && out.size() > static_cast<size_t>(limit)) out.resize(limit);
  return out;
}

Result<dim::v1::Job> JobManager::Cancel(const std::string& id,
                                        const std::string& why) {
  return CancelJob(id, why, /*sync=*/true);
}

Result<dim::v1::Job> JobManager::CancelJob(const std::string& id,
                                           const std::string& why,
                                           bool sync) {
  std::shared_ptr<JobControl> control;
  dim::v1::Job snapshot;
  std::vector<Ended> waiters;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return NotFound("no job '" + id + "'");
    Entry* entry = it->second.get();
    if (IsTerminal(entry->job.state())) return entry->job;
    control = entry->control;
    Transition(entry, dim::v1::JOB_STATE_CANCELLED,
               why.empty() ? "cancelled by request" : why);
    snapshot = entry->job;
    waiters.swap(entry->on_end);
  }
  if (control) {
    for (const auto& [address, task_id] : control->Cancel()) {
      dispatcher_->CancelOnNode(address, task_id);
    }
  }
  Status stored = store_->Put(snapshot, sync);
  for (auto& done : waiters) done(snapshot);
  DIM_RETURN_IF_ERROR(stored);
  return snapshot;
}

Status JobManager::WhenEnded(const std::string& id, Ended done) {
  dim::v1::Job now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return NotFound("no job '" + id + "'");
    Entry* entry = it->second.get();
    if (!IsTerminal(entry->job.state()) && !stopping_) {
      entry->on_end.push_back(std::move(done));
      return Status::Ok();
    }
    now = entry->job;
  }
  done(now);
  return Status::Ok();
}

Result<dim::v1::Job> JobManager::WaitForChange(
    const std::string& id, uint64_t* version,
    SystemClock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return NotFound("no job '" + id + "'");
  const Entry* entry = it->second.get();
  entry->changed.wait_until(lock, deadline, [&] {
    return entry->version > *version || stopping_;
  });
  *version = entry->version;
  return entry->job;
}

bool JobManager::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void JobManager::Shutdown() {
  std::vector<std::shared_ptr<JobControl>> running;
  std::vector<std::pair<Ended, dim::v1::Job>> waiters;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, entry] : jobs_) {
      if (entry->control) running.push_back(entry->control);
      for (auto& done : entry->on_end) {
        waiters.emplace_back(std::move(done), entry->job);
      }
      entry->on_end.clear();
      entry->changed.notify_all();
    }
  }
  for (auto& [done, job] : waiters) done(job);
  for (auto& control : running) control->Cancel();
  // Cancelled RPCs end at once; a parked task notices within a fraction
  // of a second.
  std::unique_lock<std::mutex> lock(mutex_);
  if (!idle_.wait_for(lock, std::chrono::seconds(10),
                      [this] { return running_ == 0; })) {
    DIM_LOG(Warn, "jobs") << running_ << " job(s) still running at shutdown";
  }
  lock.unlock();
  // No journal callback may reach this manager after it is gone.
  Status flushed = store_->Flush();
  if (!flushed.ok()) DIM_LOG(Error, "jobs") << flushed.message();
}

}  // namespace dim::orchestrator
