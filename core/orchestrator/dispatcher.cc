#include "core/orchestrator/dispatcher.h"

#include <algorithm>

#include <grpcpp/grpcpp.h>

#include "core/rpc/status_convert.h"
#include "core/util/log.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::orchestrator {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long a waiting task sleeps between looks at the registry when
// nothing changes.
constexpr auto kWaitSlice = std::chrono::milliseconds(200);

int64_t MicrosSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             SteadyClock::now() - start).count();
}

}  // namespace

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

Dispatcher::Dispatcher(NodeRegistry* registry, rpc::ChannelPool* pool,
                       NodeSelector* selector, int max_attempts)
    : registry_(registry), pool_(pool), selector_(selector),
      max_attempts_(max_attempts) {}

Result<std::pair<std::string, std::string>> Dispatcher::ChooseNode(
    const Task& task, const std::set<std::string>& tried, JobControl* job) {
  bool waited = false;
  for (;;) {
    if (job->cancelled()) return Cancelled("job cancelled");
    if (JobControl::Clock::now() >= job->deadline()) {
      return DeadlineExceeded("job deadline passed while waiting for a node");
    }
    Eligible eligible =
        registry_->FindEligible(task.model, task.dataset, task.pinned_nodes);
    // Prefer a node not tried yet; a tried one that is eligible again
    // (heard from since it failed) is better than waiting.
    std::optional<std::string> pick = selector_->Pick(eligible.loads, tried);
    if (!pick) pick = selector_->Pick(eligible.loads, {});
    if (pick) {
      if (waited) job->NotifyWait("");
      return std::make_pair(*pick, eligible.addresses[*pick]);
    }
    job->NotifyWait(registry_->WhyNoneEligible(task.model, task.dataset,
                                               task.pinned_nodes));
    waited = true;
    auto until = std::min<SteadyClock::time_point>(
        SteadyClock::now() + kWaitSlice,
        SteadyClock::now() + (job->deadline() - JobControl::Clock::now()));
    registry_->WaitForChange(until);
  }
}

Result<dim::v1::RunTaskResponse> Dispatcher::Call(
    const Task& task, const std::string& task_id, const std::string& node_id,
    const std::string& address, JobControl* job) {
  dim::v1::RunTaskRequest request;
  request.set_task_id(task_id);
  request.set_job_id(job->job_id());
  request.set_model(task.model);
  if (task.input != nullptr) {
    *request.mutable_input() = *task.input;
  } else {
    request.set_dataset(task.dataset);
  }
  request.set_priority(task.priority);
  request.set_reduction(task.reduction);

  grpc::ClientContext ctx;
  ctx.set_deadline(job->deadline());
  if (!job->BeginCall(&ctx, address, task_id)) {
    return Cancelled("job cancelled");
  }
  job->NotifyDispatch(node_id);
  registry_->AddInflight(node_id, 1);
  auto stub = dim::v1::Node::NewStub(pool_->Get(address));
  dim::v1::RunTaskResponse response;
  grpc::Status st = stub->RunTask(&ctx, request, &response);
  registry_->AddInflight(node_id, -1);
  job->EndCall(&ctx);
  if (!st.ok()) return rpc::FromGrpc(st);
  return response;
}

Result<TaskOutcome> Dispatcher::Run(const Task& task, JobControl* job) {
  auto start = SteadyClock::now();
  std::set<std::string> tried;
  Status last;
  for (int attempt = 1; attempt <= max_attempts_; ++attempt) {
    auto node = ChooseNode(task, tried, job);
    if (!node.ok()) {
      if (last.ok()) return node.status();
      return Status(node.status().code(), node.status().message() +
                                              " (last failure: " +
                                              last.message() + ")");
    }
    const auto& [node_id, address] = *node;
    std::string task_id = task.id + "-a" + std::to_string(attempt);
    auto response = Call(task, task_id, node_id, address, job);
    if (response.ok()) {
      return TaskOutcome{std::move(response).value(), attempt,
                         MicrosSince(start)};
    }
    Status failed = response.status().WithContext(
        "node " + node_id + " (" + address + ")");
    if (job->cancelled()) return Cancelled("job cancelled");
    if (!IsNodeFailure(failed.code())) return failed;
    DIM_LOG(Warn, "dispatch") << "job " << job->job_id() << " task "
                              << task_id << ": " << failed.message()
                              << "; trying another node";
    if (failed.code() == Code::kUnavailable) {
      registry_->MarkUnreachable(node_id);
    }
    tried.insert(node_id);
    last = failed;
  }
  return Status(last.code(), "gave up after " +
                                 std::to_string(max_attempts_) +
                                 " attempts: " + last.message());
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
