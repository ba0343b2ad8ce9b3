#include "core/rpc/orchestrator_client.h"

#include <grpcpp/grpcpp.h>

#include "core/rpc/status_convert.h"

namespace dim::rpc {

OrchestratorClient::OrchestratorClient(const std::string& address,
                                       ClientOptions options)
    : address_(address), options_(options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  stub_ = dim::v1::Orchestrator::NewStub(grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), args));
}

Status OrchestratorClient::Check(const grpc::Status& status) const {
  Status st = FromGrpc(status);
  if (st.code() == Code::kUnavailable) {
    return Unavailable("cannot reach orchestrator at " + address_ + ": " +
                       st.message());
  }
  return st;
}

void OrchestratorClient::Bound(grpc::ClientContext* ctx) const {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    options_.call_timeout);
}

Result<dim::v1::SubmitJobResponse> OrchestratorClient::Submit(
    const dim::v1::JobSpec& spec, bool dry_run, bool wait) {
  grpc::ClientContext ctx;
  if (!wait) Bound(&ctx);
  dim::v1::SubmitJobRequest request;
  *request.mutable_spec() = spec;
  request.set_dry_run(dry_run);
  request.set_wait(wait);
  dim::v1::SubmitJobResponse response;
  DIM_RETURN_IF_ERROR(Check(stub_->SubmitJob(&ctx, request, &response)));
  return response;
}

Result<dim::v1::Job> OrchestratorClient::Get(const std::string& id) {
  grpc::ClientContext ctx;
  Bound(&ctx);
  dim::v1::GetJobRequest request;
  request.set_id(id);
  dim::v1::Job job;
  DIM_RETURN_IF_ERROR(Check(stub_->GetJob(&ctx, request, &job)));
  return job;
}

Result<dim::v1::Job> OrchestratorClient::Cancel(const std::string& id) {
  grpc::ClientContext ctx;
  Bound(&ctx);
  dim::v1::CancelJobRequest request;
  request.set_id(id);
  dim::v1::CancelJobResponse response;
  DIM_RETURN_IF_ERROR(Check(stub_->CancelJob(&ctx, request, &response)));
  return response.job();
}

Result<std::vector<dim::v1::Job>> OrchestratorClient::List(int limit) {
  grpc::ClientContext ctx;
  Bound(&ctx);
  dim::v1::ListJobsRequest request;
  request.set_limit(limit);
  dim::v1::ListJobsResponse response;
  DIM_RETURN_IF_ERROR(Check(stub_->ListJobs(&ctx, request, &response)));
  return std::vector<dim::v1::Job>(response.jobs().begin(),
                                   response.jobs().end());
}

Result<std::vector<dim::v1::NodeEntry>> OrchestratorClient::ListNodes() {
  grpc::ClientContext ctx;
  Bound(&ctx);
  dim::v1::ListNodesResponse response;
  DIM_RETURN_IF_ERROR(
      Check(stub_->ListNodes(&ctx, dim::v1::ListNodesRequest(), &response)));
  return std::vector<dim::v1::NodeEntry>(response.nodes().begin(),
                                         response.nodes().end());
}

Result<dim::v1::Job> OrchestratorClient::Watch(
    const std::string& id, std::chrono::milliseconds timeout,
    const std::function<void(const dim::v1::Job&)>& on_change) {
  grpc::ClientContext ctx;
  if (timeout.count() > 0) {
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  }
  dim::v1::WatchJobRequest request;
  request.set_id(id);
  auto reader = stub_->WatchJob(&ctx, request);
  dim::v1::JobEvent event;
  dim::v1::Job last;
  bool any = false;
  while (reader->Read(&event)) {
    last = event.job();
    any = true;
    if (on_change) on_change(last);
  }
  DIM_RETURN_IF_ERROR(Check(reader->Finish()));
  if (!any) return Unavailable("orchestrator at " + address_ +
                               " ended the watch of job " + id + " early");
  return last;
}

}  // namespace dim::rpc
