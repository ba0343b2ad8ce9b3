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
    std::chrono::milliseconds heartbeat_interval, Access* access,
    MeshHooks mesh)
    : jobs_(jobs), registry_(registry), access_(access),
      orchestrator_id_(std::move(orchestrator_id)),
      heartbeat_interval_(heartbeat_interval), mesh_(std::move(mesh)) {}

// Calls that another orchestrator answers on the client's behalf carry
// the client's own credentials.
void CopyAuthorization(const grpc::ServerContextBase& from,
                       grpc::ClientContext* to) {
  std::string authorization = rpc::AuthorizationOf(from);
  if (!authorization.empty()) to->AddMetadata(rpc::kAuthorization,
                                              authorization);
}

grpc::ServerUnaryReactor* OrchestratorService::SubmitJob(
    grpc::CallbackServerContext* ctx,
    const dim::v1::SubmitJobRequest* request,
    dim::v1::SubmitJobResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  std::string peer = ctx->peer();
  auto who = access_->Identify(*ctx);
  if (!who.ok()) {
    reactor->Finish(rpc::ToGrpc(who.status()));
    return reactor;
  }
  std::chrono::milliseconds retry_after{0};
  Status admitted = request->dry_run()
                        ? Status::Ok()
                        : access_->AdmitSubmit(*who, &retry_after);
  if (!admitted.ok()) {
    ctx->AddTrailingMetadata(kRetryAfterMs,
                             std::to_string(retry_after.count()));
    reactor->Finish(rpc::ToGrpc(admitted));
    return reactor;
  }
  std::optional<dim::v1::OrchestratorStatus> target;
  if (mesh_.router && mesh_.self && !request->forwarded() &&
      !request->dry_run()) {
    target = mesh_.router->ForwardTarget(mesh_.self());
  }
  std::string user = who->user;
  if (!target) {
    SubmitHere(reactor, request, response, peer, user);
    return reactor;
  }
  DIM_LOG(Info, "api") << "handing job '" << request->spec().name()
                       << "' to orchestrator " << target->orchestrator_id()
                       << " (" << mesh::LoadOf(*target)
                       << " jobs there, more here)";
  // TODO(#4): the peer charges a forwarded job to the user's bucket
  // again, and under mutual TLS alone it sees this orchestrator's
  // certificate as the user. The hop should carry the user in a form the
  // peer can trust (a token minted for it); until then, tokens are the
  // way to run several orchestrators with authentication.
  mesh_.router->Forward(
      *target, *request, rpc::AuthorizationOf(*ctx),
      [this, reactor, request, response, peer, user](
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
          return SubmitHere(reactor, request, response, peer, user);
        }
        reactor->Finish(rpc::ToGrpc(forwarded.status()));
      });
  return reactor;
}

void OrchestratorService::SubmitHere(
    grpc::ServerUnaryReactor* reactor,
    const dim::v1::SubmitJobRequest* request,
    dim::v1::SubmitJobResponse* response, const std::string& peer,
    const std::string& user) {
  bool wait = request->wait() && !request->dry_run();
  jobs_->Submit(request->spec(), request->dry_run(), user,
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
  CopyAuthorization(ctx, &forward);
  request.set_local(true);
  return (stub.get()->*method)(&forward, request, response);
}

grpc::Status OrchestratorService::GetJob(grpc::ServerContext* ctx,
                                         const dim::v1::GetJobRequest* request,
                                         dim::v1::Job* response) {
  auto who = access_->Identify(*ctx);
  if (!who.ok()) return rpc::ToGrpc(who.status());
  auto job = jobs_->Get(request->id());
  if (job.ok()) {
    DIM_RETURN_GRPC_IF_ERROR(access_->CheckOwner(*who, *job));
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
  auto who = access_->Identify(*ctx);
  if (!who.ok()) return rpc::ToGrpc(who.status());
  auto here = jobs_->Get(request->id());
  if (here.ok()) DIM_RETURN_GRPC_IF_ERROR(access_->CheckOwner(*who, *here));
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
  CopyAuthorization(*ctx, &forward);
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
  auto who = access_->Identify(*ctx);
  if (!who.ok()) return rpc::ToGrpc(who.status());
  auto existing = jobs_->Get(request->id());
  if (existing.ok()) {
    DIM_RETURN_GRPC_IF_ERROR(access_->CheckOwner(*who, *existing));
  }
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
    grpc::ServerContext* ctx, const dim::v1::ListJobsRequest* request,
    dim::v1::ListJobsResponse* response) {
  auto who = access_->Identify(*ctx);
  if (!who.ok()) return rpc::ToGrpc(who.status());
  std::set<int> states(request->states().begin(), request->states().end());
  for (auto& job :
       jobs_->List(states, request->limit(), access_->ListFilter(*who))) {
    *response->add_jobs() = std::move(job);
  }
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::ListNodes(
    grpc::ServerContext* ctx, const dim::v1::ListNodesRequest*,
    dim::v1::ListNodesResponse* response) {
  auto who = access_->Identify(*ctx);
  if (!who.ok()) return rpc::ToGrpc(who.status());
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

void OrchestratorService::ReportRejectedBeat(const std::string& node_id,
                                             const Status& why) {
  if (!reported_.First(node_id)) return;
  DIM_LOG(Warn, "mesh") << "refused a heartbeat claiming node '"
                        << node_id.substr(0, 64) << "': " << why.message()
                        << " (further refusals for it are only counted)";
}

grpc::Status OrchestratorService::Heartbeat(
    grpc::ServerContext* ctx, const dim::v1::HeartbeatRequest* request,
    dim::v1::HeartbeatResponse* response) {
  const char* dropped = "malformed";
  Status checked = mesh::CheckNodeBeat(request->beat());
  if (checked.ok() && mesh_.verifier) {
    mesh::BeatFault fault = mesh::BeatFault::kNone;
    checked = mesh_.verifier->Verify(request->beat(), mesh::WallClockMs(),
                                     &fault);
    dropped = mesh::FaultName(fault);
  }
  if (!checked.ok()) {
    mesh::CountDroppedBeat(dropped);
    checked = checked.WithContext("heartbeat from " + ctx->peer());
    ReportRejectedBeat(request->beat().status().node_id(), checked);
    return rpc::ToGrpc(checked);
  }
  auto verdict = registry_->Update(request->beat(), mesh::Source::kJoin);
  if (verdict == mesh::Verdict::kStale) mesh::CountDroppedBeat("replayed");
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

grpc::Status OrchestratorService::GetQuota(grpc::ServerContext* ctx,
                                           const dim::v1::GetQuotaRequest*,
                                           dim::v1::Quota* response) {
  auto who = access_->Identify(*ctx);
  if (!who.ok()) return rpc::ToGrpc(who.status());
  *response = access_->QuotaOf(*who);
  return grpc::Status::OK;
}

}  // namespace dim::orchestrator
