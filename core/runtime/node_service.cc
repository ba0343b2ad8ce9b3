#include "core/runtime/node_service.h"

#include <string>
#include <vector>

#include "core/rpc/status_convert.h"

namespace dim::runtime {

grpc::Status NodeService::RunTask(grpc::ServerContext* context,
                                  const dim::v1::RunTaskRequest* request,
                                  dim::v1::RunTaskResponse* response) {
  // gRPC reports a call without deadline as the largest time point.
  Clock::time_point deadline = context->deadline();
  Result<dim::v1::RunTaskResponse> result = runtime_->Run(
      *request, deadline, [context] { return context->IsCancelled(); });
  if (!result.ok()) return rpc::ToGrpc(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
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
