#include "core/orchestrator/dispatcher.h"

#include <algorithm>

#include <grpcpp/grpcpp.h>

#include "core/metrics/registry.h"
#include "core/rpc/status_convert.h"
#include "core/util/log.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::orchestrator {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long a parked task may go without a look at its job's deadline and
// cancellation when the registry does not change.
constexpr auto kParkedSlice = std::chrono::milliseconds(200);

// Every attempt counts, retries included; node ids are bounded by the
// family's limit on label sets.
metrics::Family<metrics::Counter>& NodesSelected() {
  static auto& family = metrics::Default().CounterFamily(
      {"dim.nodes.selected", "Tasks sent to a node, by node id", "",
       {"node"}});
  return family;
}

int64_t MicrosSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             SteadyClock::now() - start).count();
}

}  // namespace

// One RPC in flight: what gRPC needs to stay alive until it completes.
struct Dispatcher::Call {
  std::unique_ptr<dim::v1::Node::Stub> stub;
  grpc::ClientContext ctx;
  dim::v1::RunTaskRequest request;
  dim::v1::RunTaskResponse response;
  // Set, under the dispatcher's mutex, when the node was declared DEAD.
  std::string abandoned;
};

struct Dispatcher::Run {
  Task task;
  std::shared_ptr<JobControl> job;
  Done done;
  SteadyClock::time_point start = SteadyClock::now();
  std::set<std::string> tried;
  int attempt = 0;  // attempts made so far
  Status last;      // the last node failure
  bool waiting = false;
};

bool IsNodeFailure(Code code) {
  switch (code) {
    case Code::kUnavailable:
    case Code::kResourceExhausted:
    case Code::kAborted:
    case Code::kFailedPrecondition:
    case Code::kInternal:
    case Code::kNotFound:
      return true;
    default:
      return false;
  }
}

Dispatcher::Dispatcher(mesh::NodeRegistry* registry, rpc::ChannelPool* pool,
                       NodeSelector* selector, int max_attempts)
    : registry_(registry), pool_(pool), selector_(selector),
      max_attempts_(max_attempts), watcher_([this] { WatchParked(); }) {}

Dispatcher::~Dispatcher() {
  std::vector<std::shared_ptr<Run>> parked;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    parked.swap(parked_);
  }
  parked_cv_.notify_all();
  watcher_.join();
  for (auto& run : parked) {
    run->done(Unavailable("orchestrator is shutting down"));
  }
}

void Dispatcher::Start(Task task, std::shared_ptr<JobControl> job,
                       Done done) {
  auto run = std::make_shared<Run>();
  run->task = std::move(task);
  run->job = std::move(job);
  run->done = std::move(done);
  Step(run, Tried::kNow);
}

void Dispatcher::Step(const std::shared_ptr<Run>& run, Tried tried) {
  JobControl* job = run->job.get();
  if (job->cancelled()) return run->done(Cancelled("job cancelled"));
  if (JobControl::Clock::now() >= job->deadline()) {
    std::string why = "job deadline passed while waiting for a node";
    if (!run->last.ok()) why += " (last failure: " + run->last.message() + ")";
    return run->done(DeadlineExceeded(why));
  }
  const Task& task = run->task;
  mesh::Eligible eligible =
      registry_->FindEligible(task.model, task.dataset, task.pinned_nodes);
  // Prefer a node not tried yet. Right after a failure, a tried node is
  // given a pause first; later, one that is eligible again (heard from
  // since it failed) is better than waiting.
  std::optional<std::string> pick = selector_->Pick(eligible.loads, run->tried);
  if (!pick && !eligible.loads.empty() && tried == Tried::kAfterPause) {
    return Defer(run, run->last.message());
  }
  if (!pick) pick = selector_->Pick(eligible.loads, {});
  if (!pick) return Park(run);
  if (run->waiting) {
    run->waiting = false;
    job->NotifyWait("");
  }
  CallNode(run, *pick, eligible.addresses[*pick]);
}

void Dispatcher::Park(const std::shared_ptr<Run>& run) {
  const Task& task = run->task;
  run->waiting = true;
  run->job->NotifyWait(registry_->WhyNoneEligible(task.model, task.dataset,
                                                  task.pinned_nodes));
  Enqueue(run);
}

void Dispatcher::Enqueue(const std::shared_ptr<Run>& run) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) {
      parked_.push_back(run);
      parked_cv_.notify_all();
      return;
    }
  }
  run->done(Unavailable("orchestrator is shutting down"));
}

void Dispatcher::WatchParked() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (parked_.empty()) {
      parked_cv_.wait(lock);
      continue;
    }
    lock.unlock();
    registry_->WaitForChange(SteadyClock::now() + kParkedSlice);
    lock.lock();
    if (stopping_) break;
    std::vector<std::shared_ptr<Run>> runs;
    runs.swap(parked_);
    lock.unlock();
    for (auto& run : runs) Step(run, Tried::kNow);
    lock.lock();
  }
}

void Dispatcher::CallNode(const std::shared_ptr<Run>& run,
                      const std::string& node_id,
                      const std::string& address) {
  const Task& task = run->task;
  JobControl* job = run->job.get();
  int attempt = ++run->attempt;
  auto call = std::make_shared<Call>();
  auto& request = call->request;
  request.set_task_id(task.id + "-a" + std::to_string(attempt));
  request.set_job_id(job->job_id());
  request.set_model(task.model);
  if (task.input) {
    *request.mutable_input() = *task.input;
  } else {
    request.set_dataset(task.dataset);
  }
  request.set_priority(task.priority);
  request.set_reduction(task.reduction);
  call->ctx.set_deadline(job->deadline());
  if (!job->BeginCall(&call->ctx, address, request.task_id())) {
    return run->done(Cancelled("job cancelled"));
  }
  job->NotifyDispatch(node_id);
  NodesSelected().WithLabels({node_id}).Increment();
  registry_->AddInflight(node_id, 1);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.emplace(node_id, call);
  }
  call->stub = dim::v1::Node::NewStub(pool_->Get(address));
  call->stub->async()->RunTask(
      &call->ctx, &call->request, &call->response,
      [this, run, call, node_id, address](grpc::Status st) {
        registry_->AddInflight(node_id, -1);
        run->job->EndCall(&call->ctx);
        std::string abandoned = Forget(node_id, call.get());
        if (st.ok()) {
          run->done(TaskOutcome{std::move(call->response), run->attempt,
                                MicrosSince(run->start)});
          return;
        }
        Status failed = abandoned.empty() ? rpc::FromGrpc(st)
                                          : Unavailable(abandoned);
        OnFailure(run, node_id,
                  failed.WithContext("node " + node_id + " (" + address +
                                     ")"));
      });
}

void Dispatcher::OnFailure(const std::shared_ptr<Run>& run,
                           const std::string& node_id, Status failed) {
  if (run->job->cancelled()) return run->done(Cancelled("job cancelled"));
  if (!IsNodeFailure(failed.code())) return run->done(failed);
  if (failed.code() == Code::kResourceExhausted) {
    // A full queue is a busy node, not a broken one: wait for room without
    // spending an attempt, bounded by the job's deadline.
    --run->attempt;
    return Defer(run, failed.message());
  }
  if (failed.code() == Code::kUnavailable) registry_->MarkUnreachable(node_id);
  run->tried.insert(node_id);
  run->last = failed;
  if (run->attempt >= max_attempts_) {
    return run->done(Status(failed.code(),
                            "gave up after " + std::to_string(run->attempt) +
                                " attempts: " + failed.message()));
  }
  DIM_LOG(Warn, "dispatch") << "job " << run->job->job_id() << ": "
                            << failed.message() << "; trying again";
  Step(run, Tried::kAfterPause);
}

void Dispatcher::Defer(const std::shared_ptr<Run>& run,
                       const std::string& why) {
  run->waiting = true;
  run->job->NotifyWait("retrying after: " + why);
  Enqueue(run);
}

std::string Dispatcher::Forget(const std::string& node_id, Call* call) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [first, last] = calls_.equal_range(node_id);
  for (auto it = first; it != last; ++it) {
    if (it->second.get() == call) {
      calls_.erase(it);
      break;
    }
  }
  return call->abandoned;
}

void Dispatcher::AbandonNode(const std::string& node_id,
                             const std::string& why) {
  std::vector<std::shared_ptr<Call>> doomed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [first, last] = calls_.equal_range(node_id);
    for (auto it = first; it != last; ++it) {
      it->second->abandoned = why;
      doomed.push_back(it->second);
    }
  }
  if (!doomed.empty()) {
    DIM_LOG(Warn, "dispatch") << "node " << node_id << " " << why
                              << ": moving " << doomed.size()
                              << " task(s) elsewhere";
  }
  for (auto& call : doomed) call->ctx.TryCancel();
}

void Dispatcher::CancelOnNode(const std::string& address,
                              const std::string& task_id) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::seconds(2));
  dim::v1::CancelTaskRequest request;
  request.set_task_id(task_id);
  dim::v1::CancelTaskResponse response;
  auto stub = dim::v1::Node::NewStub(pool_->Get(address));
  grpc::Status st = stub->CancelTask(&ctx, request, &response);
  if (!st.ok()) {
    DIM_LOG(Warn, "dispatch") << "cancel of task " << task_id << " on "
                              << address << " failed: " << st.error_message();
  }
}

}  // namespace dim::orchestrator
