#include "core/runtime/node_service.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/rpc/status_convert.h"

namespace dim::runtime {

namespace {

// One RunTask call. The runtime's done callback and OnCancel may race; the
// first to claim the call finishes it, and OnDone frees it once gRPC is
// done with it. State shared with the runtime lives in `call`, which
// outlives the reactor when the task ends after a cancellation.
class RunTaskReactor final : public grpc::ServerUnaryReactor {
 public:
  struct Call {
    std::atomic<bool> finished{false};
    RunTaskReactor* reactor = nullptr;
  };

  RunTaskReactor(NodeRuntime* runtime, std::string task_id)
      : runtime_(runtime), task_id_(std::move(task_id)),
        call_(std::make_shared<Call>()) {
    call_->reactor = this;
  }

  std::shared_ptr<Call> call() const { return call_; }

  // True for exactly one caller, who then owns the response and must
  // call Finish; the reactor stays alive until then.
  static bool Claim(const std::shared_ptr<Call>& call) {
    return !call->finished.exchange(true);
  }

  void OnCancel() override {
    runtime_->Cancel(task_id_);
    if (Claim(call_)) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "task " + task_id_ + " cancelled"));
    }
  }
  void OnDone() override { delete this; }

 private:
  NodeRuntime* const runtime_;
  const std::string task_id_;
  const std::shared_ptr<Call> call_;
};

}  // namespace

grpc::ServerUnaryReactor* NodeService::RunTask(
    grpc::CallbackServerContext* context,
    const dim::v1::RunTaskRequest* request,
    dim::v1::RunTaskResponse* response) {
  auto* reactor = new RunTaskReactor(runtime_, request->task_id());
  std::shared_ptr<RunTaskReactor::Call> call = reactor->call();
  // gRPC reports a call without deadline as the largest time point.
  runtime_->RunAsync(
      *request, context->deadline(),
      [call, response](Result<dim::v1::RunTaskResponse> result) {
        if (!RunTaskReactor::Claim(call)) return;
        if (result.ok()) *response = std::move(*result);
        call->reactor->Finish(result.ok() ? grpc::Status::OK
                                          : rpc::ToGrpc(result.status()));
      });
  return reactor;
}

grpc::Status NodeService::GetNodeStatus(
    grpc::ServerContext* context, const dim::v1::GetNodeStatusRequest* request,
    dim::v1::NodeStatus* response) {
  *response = runtime_->Status();
  return grpc::Status::OK;
}

grpc::Status NodeService::Prewarm(grpc::ServerContext* context,
                                  const dim::v1::PrewarmRequest* request,
                                  dim::v1::PrewarmResponse* response) {
  std::vector<std::string> models(request->models().begin(),
                                  request->models().end());
  for (dim::v1::PrewarmResult& result : runtime_->Prewarm(models)) {
    *response->add_results() = std::move(result);
  }
  return grpc::Status::OK;
}

grpc::Status NodeService::CancelTask(grpc::ServerContext* context,
                                     const dim::v1::CancelTaskRequest* request,
                                     dim::v1::CancelTaskResponse* response) {
  response->set_found(runtime_->Cancel(request->task_id()));
  return grpc::Status::OK;
}

grpc::Status NodeService::ListModels(grpc::ServerContext* context,
                                     const dim::v1::ListModelsRequest* request,
                                     dim::v1::ListModelsResponse* response) {
  for (dim::v1::ModelInfo& info : runtime_->Models()) {
    *response->add_models() = std::move(info);
  }
  return grpc::Status::OK;
}

}  // namespace dim::runtime
