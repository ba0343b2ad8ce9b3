#include "core/orchestrator/job_control.h"

#include <algorithm>

#include <grpcpp/client_context.h>

namespace dim::orchestrator {

JobControl::JobControl(std::string job_id, Clock::time_point deadline,
                       Hooks hooks)
    : job_id_(std::move(job_id)), deadline_(deadline),
      hooks_(std::move(hooks)) {}

bool JobControl::cancelled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelled_;
}

std::vector<std::pair<std::string, std::string>> JobControl::Cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_ = true;
  std::vector<std::pair<std::string, std::string>> running;
  for (const Call& call : calls_) {
    call.ctx->TryCancel();
    running.emplace_back(call.address, call.task_id);
  }
  return running;
}

bool JobControl::BeginCall(grpc::ClientContext* ctx,
                           const std::string& address,
                           const std::string& task_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cancelled_) return false;
  calls_.push_back(Call{ctx, address, task_id});
  return true;
}

void JobControl::EndCall(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mutex_);
  calls_.erase(std::remove_if(calls_.begin(), calls_.end(),
                              [ctx](const Call& c) { return c.ctx == ctx; }),
               calls_.end());
}

void JobControl::NotifyDispatch(const std::string& node_id) const {
  if (hooks_.on_dispatch) hooks_.on_dispatch(node_id);
}

void JobControl::NotifyWait(const std::string& why) const {
  if (hooks_.on_wait) hooks_.on_wait(why);
}

}  // namespace dim::orchestrator
