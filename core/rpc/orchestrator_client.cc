#include "core/rpc/orchestrator_client.h"

#include <cstdlib>

#include <grpcpp/grpcpp.h>

#include "core/rpc/auth.h"
#include "core/rpc/credentials.h"
#include "core/rpc/status_convert.h"

namespace dim::rpc {
namespace {

// The orchestrator names the wait of a rate-limited submit in the
// trailer "retry-after-ms" (see core/orchestrator/access.h).
std::chrono::milliseconds RetryAfter(const grpc::Status& status,
                                     const grpc::ClientContext& ctx) {
  if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) {
    return std::chrono::milliseconds(0);
  }
  auto trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("retry-after-ms");
  if (it == trailers.end()) return std::chrono::milliseconds(0);
  std::string text(it->second.data(), it->second.size());
  char* end = nullptr;
  long long ms = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || ms <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(ms);
}

}  // namespace

std::shared_ptr<grpc::Channel> ClientChannel(const std::string& address,
                                             const ClientOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  auto credentials = options.credentials
                         ? options.credentials
                         : grpc::InsecureChannelCredentials();
  return grpc::CreateCustomChannel(address, credentials, args);
}

void AddToken(grpc::ClientContext* ctx, const ClientOptions& options) {
  if (!options.token.empty()) {
    ctx->AddMetadata(kAuthorization, "Bearer " + options.token);
  }
}

OrchestratorClient::OrchestratorClient(const std::string& address,
                                       ClientOptions options)
    : address_(address),
      options_(options),
      stub_(dim::v1::Orchestrator::NewStub(ClientChannel(address, options))) {
}

Status OrchestratorClient::Check(const grpc::Status& status) const {
  Status st = FromGrpc(status);
  if (st.code() == Code::kUnavailable) {
    std::string why = ExplainTlsFailure(st.message());
    bool closed = why.find("Socket closed") != std::string::npos;
    if (closed && !options_.credentials) {
      why += " (if the server speaks TLS, set DIM_CACERT)";
    } else if (closed && !options_.client_certificate) {
      why += " (if the server requires client certificates, set DIM_CERT "
             "and DIM_KEY)";
    }
    return Unavailable("cannot reach orchestrator at " + address_ + ": " +
                       why);
  }
  // gRPC's own refusal of an oversized request, in the words of the
  // setting that decides it.
  if (st.code() == Code::kResourceExhausted &&
      st.message().rfind("Received message larger than max", 0) == 0) {
    return InvalidArgument("orchestrator at " + address_ +
                           " refused the request as too large: " +
                           st.message() + " bytes; its limit is "
                           "limits.max_message_bytes");
  }
  return st;
}

void OrchestratorClient::Prepare(grpc::ClientContext* ctx,
                                 Deadline deadline) const {
  if (deadline == Deadline::kBounded) {
    ctx->set_deadline(std::chrono::system_clock::now() +
                      options_.call_timeout);
  }
  AddToken(ctx, options_);
}

Result<dim::v1::SubmitJobResponse> OrchestratorClient::Submit(
    const dim::v1::JobSpec& spec, bool dry_run, bool wait) {
  grpc::ClientContext ctx;
  Prepare(&ctx, wait ? Deadline::kNone : Deadline::kBounded);
  dim::v1::SubmitJobRequest request;
  *request.mutable_spec() = spec;
  request.set_dry_run(dry_run);
  request.set_wait(wait);
  dim::v1::SubmitJobResponse response;
  grpc::Status status = stub_->SubmitJob(&ctx, request, &response);
  retry_after_ = RetryAfter(status, ctx);
  DIM_RETURN_IF_ERROR(Check(status));
  return response;
}

Result<dim::v1::Job> OrchestratorClient::Get(const std::string& id) {
  grpc::ClientContext ctx;
  Prepare(&ctx, Deadline::kBounded);
  dim::v1::GetJobRequest request;
  request.set_id(id);
  dim::v1::Job job;
  DIM_RETURN_IF_ERROR(Check(stub_->GetJob(&ctx, request, &job)));
  return job;
}

Result<dim::v1::Job> OrchestratorClient::Cancel(const std::string& id) {
  grpc::ClientContext ctx;
  Prepare(&ctx, Deadline::kBounded);
  dim::v1::CancelJobRequest request;
  request.set_id(id);
  dim::v1::CancelJobResponse response;
  DIM_RETURN_IF_ERROR(Check(stub_->CancelJob(&ctx, request, &response)));
  return response.job();
}

Result<std::vector<dim::v1::Job>> OrchestratorClient::List(int limit) {
  grpc::ClientContext ctx;
  Prepare(&ctx, Deadline::kBounded);
  dim::v1::ListJobsRequest request;
  request.set_limit(limit);
  dim::v1::ListJobsResponse response;
  DIM_RETURN_IF_ERROR(Check(stub_->ListJobs(&ctx, request, &response)));
  return std::vector<dim::v1::Job>(response.jobs().begin(),
                                   response.jobs().end());
}

Result<std::vector<dim::v1::NodeEntry>> OrchestratorClient::ListNodes() {
  grpc::ClientContext ctx;
  Prepare(&ctx, Deadline::kBounded);
  dim::v1::ListNodesResponse response;
  DIM_RETURN_IF_ERROR(
      Check(stub_->ListNodes(&ctx, dim::v1::ListNodesRequest(), &response)));
  return std::vector<dim::v1::NodeEntry>(response.nodes().begin(),
                                         response.nodes().end());
}

Result<dim::v1::Quota> OrchestratorClient::Quota() {
  grpc::ClientContext ctx;
  Prepare(&ctx, Deadline::kBounded);
  dim::v1::Quota quota;
  DIM_RETURN_IF_ERROR(
      Check(stub_->GetQuota(&ctx, dim::v1::GetQuotaRequest(), &quota)));
  return quota;
}

Result<dim::v1::Job> OrchestratorClient::Watch(
    const std::string& id, std::chrono::milliseconds timeout,
    const std::function<void(const dim::v1::Job&)>& on_change) {
  grpc::ClientContext ctx;
  Prepare(&ctx, Deadline::kNone);
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
