#include "core/orchestrator/orchestrator_service.h"

#include "core/rpc/status_convert.h"
#include "core/util/log.h"

namespace dim::orchestrator {
namespace {

using SystemClock = std::chrono::system_clock;

// How long one wait lasts before the server looks again at whether the
// client is still there.
constexpr auto kWatchSlice = std::chrono::milliseconds(500);

}  // namespace

OrchestratorService::OrchestratorService(
    JobManager* jobs, NodeRegistry* registry, std::string orchestrator_id,
    std::chrono::milliseconds heartbeat_interval)
    : jobs_(jobs), registry_(registry),
      orchestrator_id_(std::move(orchestrator_id)),
      heartbeat_interval_(heartbeat_interval) {}

grpc::ServerUnaryReactor* OrchestratorService::SubmitJob(
    grpc::CallbackServerContext* ctx,
    const dim::v1::SubmitJobRequest* request,
    dim::v1::SubmitJobResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  bool wait = request->wait() && !request->dry_run();
  std::string peer = ctx->peer();
  jobs_->Submit(request->spec(), request->dry_run(),
                [this, reactor, request, response, wait, peer](
                    Result<dim::v1::SubmitJobResponse> submitted) {
    if (!submitted.ok()) {
      DIM_LOG(Info, "api") << "rejected job '" << request->spec().name()
                           << "' from " << peer << ": "
                           << submitted.status().message();
      return reactor->Finish(rpc::ToGrpc(submitted.status()));
    }
    *response = std::move(submitted).value();
    if (!wait) return reactor->Finish(grpc::Status::OK);
    // A client that goes away meanwhile only stops listening: the job
    // runs on, and the call is finished when it ends.
    Status waiting = jobs_->WhenEnded(
        response->id(), [reactor, response](const dim::v1::Job& job) {
          if (!IsTerminal(job.state())) {
            return reactor->Finish(grpc::Status(
                grpc::StatusCode::UNAVAILABLE,
                "orchestrator is shutting down; job " + job.id() +
                    " runs again when it restarts"));
          }
          response->set_state(job.state());
          *response->mutable_job() = job;
          reactor->Finish(grpc::Status::OK);
        });
    if (!waiting.ok()) reactor->Finish(rpc::ToGrpc(waiting));
  });
  return reactor;
}

grpc::Status OrchestratorService::GetJob(grpc::ServerContext*,
                                         const dim::v1::GetJobRequest* request,
                                         dim::v1::Job* response) {
  auto job = jobs_->Get(request->id());
  if (!job.ok()) return rpc::ToGrpc(job.status());
  *response = std::move(job).value();
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::WatchJob(
    grpc::ServerContext* ctx, const dim::v1::WatchJobRequest* request,
    grpc::ServerWriter<dim::v1::JobEvent>* writer) {
  uint64_t version = 0;
  uint64_t sent = 0;
  while (!ctx->IsCancelled()) {
    auto job = jobs_->WaitForChange(request->id(), &version,
                                    SystemClock::now() + kWatchSlice);
    if (!job.ok()) return rpc::ToGrpc(job.status());
    if (version != sent) {
      dim::v1::JobEvent event;
      *event.mutable_job() = std::move(job).value();
      bool terminal = IsTerminal(event.job().state());
      if (!writer->Write(event) || terminal) break;
      sent = version;
    } else if (jobs_->stopping()) {
      // The client's watch ends here; the job resumes after a restart.
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "orchestrator is shutting down");
    }
  }
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::CancelJob(
    grpc::ServerContext* ctx, const dim::v1::CancelJobRequest* request,
    dim::v1::CancelJobResponse* response) {
  std::string why = request->reason().empty()
                        ? "cancelled by " + ctx->peer()
                        : request->reason();
  auto job = jobs_->Cancel(request->id(), why);
  if (!job.ok()) return rpc::ToGrpc(job.status());
  *response->mutable_job() = std::move(job).value();
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::ListJobs(
    grpc::ServerContext*, const dim::v1::ListJobsRequest* request,
    dim::v1::ListJobsResponse* response) {
  std::set<int> states(request->states().begin(), request->states().end());
  for (auto& job : jobs_->List(states, request->limit())) {
    *response->add_jobs() = std::move(job);
  }
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::ListNodes(
    grpc::ServerContext*, const dim::v1::ListNodesRequest*,
    dim::v1::ListNodesResponse* response) {
  for (auto& node : registry_->List()) *response->add_nodes() = std::move(node);
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::Heartbeat(
    grpc::ServerContext* ctx, const dim::v1::HeartbeatRequest* request,
    dim::v1::HeartbeatResponse* response) {
  const auto& status = request->status();
  if (status.node_id().empty() || status.address().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "heartbeat from " + ctx->peer() +
                            " lacks a node id or address");
  }
  if (!registry_->Find(status.node_id())) {
    DIM_LOG(Info, "registry") << "node " << status.node_id() << " joined from "
                              << status.address();
  }
  registry_->Update(status);
  response->set_interval_ms(heartbeat_interval_.count());
  response->set_orchestrator_id(orchestrator_id_);
  return grpc::Status::OK;
}

}  // namespace dim::orchestrator
