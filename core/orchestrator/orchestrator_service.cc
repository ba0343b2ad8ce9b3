#include "core/orchestrator/orchestrator_service.h"

#include "core/mesh/beat_codec.h"
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
    JobManager* jobs, mesh::NodeRegistry* registry, std::string orchestrator_id,
    std::chrono::milliseconds heartbeat_interval, MeshHooks mesh)
    : jobs_(jobs), registry_(registry),
      orchestrator_id_(std::move(orchestrator_id)),
      heartbeat_interval_(heartbeat_interval), mesh_(std::move(mesh)) {}

grpc::ServerUnaryReactor* OrchestratorService::SubmitJob(
    grpc::CallbackServerContext* ctx,
    const dim::v1::SubmitJobRequest* request,
    dim::v1::SubmitJobResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  std::string peer = ctx->peer();
  std::optional<dim::v1::OrchestratorStatus> target;
  if (mesh_.router && mesh_.self && !request->forwarded() &&
      !request->dry_run()) {
    target = mesh_.router->ForwardTarget(mesh_.self());
  }
  if (!target) {
    SubmitHere(reactor, request, response, peer);
    return reactor;
  }
  DIM_LOG(Info, "api") << "handing job '" << request->spec().name()
                       << "' to orchestrator " << target->orchestrator_id()
                       << " (" << mesh::LoadOf(*target)
                       << " jobs there, more here)";
  mesh_.router->Forward(
      *target, *request,
      [this, reactor, request, response, peer, target](
          Result<dim::v1::SubmitJobResponse> forwarded) {
        if (forwarded.ok()) {
          *response = std::move(forwarded).value();
          return reactor->Finish(grpc::Status::OK);
        }
        // An unreachable peer must not cost the job: keep it here.
        if (forwarded.status().code() == Code::kUnavailable ||
            forwarded.status().code() == Code::kDeadlineExceeded) {
          DIM_LOG(Warn, "api") << forwarded.status().message()
                               << "; keeping the job here";
          return SubmitHere(reactor, request, response, peer);
        }
        reactor->Finish(rpc::ToGrpc(forwarded.status()));
      });
  return reactor;
}

void OrchestratorService::SubmitHere(
    grpc::ServerUnaryReactor* reactor,
    const dim::v1::SubmitJobRequest* request,
    dim::v1::SubmitJobResponse* response, const std::string& peer) {
  bool wait = request->wait() && !request->dry_run();
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
}

Result<std::string> OrchestratorService::OwnerElsewhere(
    const Status& here, const std::string& id, bool local) {
  if (local || !mesh_.router) return here;
  auto owner = mesh_.router->FindOwner(id);
  if (owner.ok()) return owner;
  return Status(here.code(), here.message() + owner.status().message());
}

template <typename Request, typename Response>
grpc::Status OrchestratorService::AskOwner(
    const std::string& owner, const grpc::ServerContext& ctx,
    Request request, Response* response,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*)) {
  auto stub = dim::v1::Orchestrator::NewStub(mesh_.router->ChannelTo(owner));
  grpc::ClientContext forward;
  forward.set_deadline(ctx.deadline());
  request.set_local(true);
  return (stub.get()->*method)(&forward, request, response);
}

grpc::Status OrchestratorService::GetJob(grpc::ServerContext* ctx,
                                         const dim::v1::GetJobRequest* request,
                                         dim::v1::Job* response) {
  auto job = jobs_->Get(request->id());
  if (job.ok()) {
    *response = std::move(job).value();
    return grpc::Status::OK;
  }
  if (job.status().code() != Code::kNotFound) {
    return rpc::ToGrpc(job.status());
  }
  auto owner = OwnerElsewhere(job.status(), request->id(), request->local());
  if (!owner.ok()) return rpc::ToGrpc(owner.status());
  return AskOwner(*owner, *ctx, *request, response, &Stub::GetJob);
}

grpc::Status OrchestratorService::WatchJob(
    grpc::ServerContext* ctx, const dim::v1::WatchJobRequest* request,
    grpc::ServerWriter<dim::v1::JobEvent>* writer) {
  auto here = jobs_->Get(request->id());
  if (!here.ok()) {
    auto owner = OwnerElsewhere(here.status(), request->id(), request->local());
    if (owner.ok()) return RelayWatch(ctx, *owner, request->id(), writer);
  }
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

grpc::Status OrchestratorService::RelayWatch(
    grpc::ServerContext* ctx, const std::string& owner, const std::string& id,
    grpc::ServerWriter<dim::v1::JobEvent>* writer) {
  auto stub = dim::v1::Orchestrator::NewStub(mesh_.router->ChannelTo(owner));
  grpc::ClientContext forward;
  forward.set_deadline(ctx->deadline());
  dim::v1::WatchJobRequest asked;
  asked.set_id(id);
  asked.set_local(true);
  auto reader = stub->WatchJob(&forward, asked);
  dim::v1::JobEvent event;
  while (reader->Read(&event)) {
    if (ctx->IsCancelled() || !writer->Write(event)) {
      forward.TryCancel();
      break;
    }
  }
  return reader->Finish();
}

grpc::Status OrchestratorService::CancelJob(
    grpc::ServerContext* ctx, const dim::v1::CancelJobRequest* request,
    dim::v1::CancelJobResponse* response) {
  std::string why = request->reason().empty()
                        ? "cancelled by " + ctx->peer()
                        : request->reason();
  auto job = jobs_->Cancel(request->id(), why);
  if (job.ok()) {
    *response->mutable_job() = std::move(job).value();
    return grpc::Status::OK;
  }
  if (job.status().code() != Code::kNotFound) {
    return rpc::ToGrpc(job.status());
  }
  auto owner = OwnerElsewhere(job.status(), request->id(), request->local());
  if (!owner.ok()) return rpc::ToGrpc(owner.status());
  dim::v1::CancelJobRequest asked = *request;
  asked.set_reason(why);
  return AskOwner(*owner, *ctx, asked, response, &Stub::CancelJob);
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
  if (mesh_.self) {
    auto* self = response->add_orchestrators();
    *self->mutable_status() = mesh_.self();
    self->set_state(dim::v1::NODE_STATE_ALIVE);
    self->set_last_seen_ms(mesh::WallClockMs());
    self->set_self(true);
  }
  if (mesh_.peers) {
    for (auto& peer : mesh_.peers->List()) {
      *response->add_orchestrators() = std::move(peer);
    }
  }
  if (mesh_.ipfs_health) *response->mutable_ipfs() = mesh_.ipfs_health();
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::Heartbeat(
    grpc::ServerContext* ctx, const dim::v1::HeartbeatRequest* request,
    dim::v1::HeartbeatResponse* response) {
  Status checked = mesh::CheckNodeBeat(request->beat());
  if (!checked.ok()) {
    return rpc::ToGrpc(checked.WithContext("heartbeat from " + ctx->peer()));
  }
  auto verdict = registry_->Update(request->beat(), mesh::Source::kJoin);
  if (verdict == mesh::Verdict::kConflict) {
    return grpc::Status(
        grpc::StatusCode::ALREADY_EXISTS,
        "node id " + request->beat().status().node_id() +
            " is already used by another live process; set node.id");
  }
  response->set_interval_ms(heartbeat_interval_.count());
  response->set_orchestrator_id(orchestrator_id_);
  return grpc::Status::OK;
}

}  // namespace dim::orchestrator
