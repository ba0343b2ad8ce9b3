#include "core/rpc/metrics_service.h"

#include <grpcpp/grpcpp.h>

#include "core/rpc/credentials.h"
#include "core/rpc/metrics_proto.h"
#include "core/rpc/status_convert.h"

namespace dim::rpc {

MetricsService::MetricsService(metrics::Registry* registry,
                               std::string server_id)
    : registry_(registry), server_id_(std::move(server_id)) {}

grpc::Status MetricsService::GetMetrics(
    grpc::ServerContext* context, const dim::v1::GetMetricsRequest* request,
    dim::v1::GetMetricsResponse* response) {
  ToProto(registry_->Collect(), response->mutable_families());
  response->set_server(server_id_);
  return grpc::Status::OK;
}

Result<dim::v1::GetMetricsResponse> FetchMetrics(
    const std::string& address, const ClientOptions& options) {
  auto stub = dim::v1::Metrics::NewStub(ClientChannel(address, options));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + options.call_timeout);
  AddToken(&ctx, options);
  dim::v1::GetMetricsResponse response;
  Status st = FromGrpc(stub->GetMetrics(&ctx, {}, &response));
  if (st.code() == Code::kUnavailable ||
      st.code() == Code::kDeadlineExceeded) {
    return Unavailable("cannot reach server at " + address + ": " +
                       ExplainTlsFailure(st.message()));
  }
  if (!st.ok()) return st.WithContext("metrics from " + address);
  return response;
}

}  // namespace dim::rpc
