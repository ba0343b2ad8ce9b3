#include "core/orchestrator/peer_router.h"

#include "core/rpc/auth.h"
#include "core/rpc/status_convert.h"
#include "core/util/log.h"

namespace dim::orchestrator {
namespace {

// Remembered owners are few per job; this bounds a long-lived process.
constexpr size_t kMaxRemembered = 100000;

struct ForwardCall {
  std::unique_ptr<dim::v1::Orchestrator::Stub> stub;
  grpc::ClientContext ctx;
  dim::v1::SubmitJobRequest request;
  dim::v1::SubmitJobResponse response;
};

}  // namespace

PeerRouter::PeerRouter(mesh::PeerTable* peers, rpc::ChannelPool* pool,
                       int margin, std::chrono::milliseconds call_timeout)
    : peers_(peers), pool_(pool), margin_(margin),
      call_timeout_(call_timeout) {}

std::optional<dim::v1::OrchestratorStatus> PeerRouter::ForwardTarget(
    const dim::v1::OrchestratorStatus& own) const {
  return mesh::ForwardTarget(own, *peers_, margin_);
}

std::shared_ptr<grpc::Channel> PeerRouter::ChannelTo(
    const std::string& address) {
  return pool_->Get(address);
}

void PeerRouter::Forward(const dim::v1::OrchestratorStatus& peer,
                         const dim::v1::SubmitJobRequest& request,
                         const std::string& authorization, Done done) {
  auto call = std::make_shared<ForwardCall>();
  call->request = request;
  call->request.set_forwarded(true);
  if (!authorization.empty()) {
    call->ctx.AddMetadata(rpc::kAuthorization, authorization);
  }
  // Only a waiting submit may take as long as the job.
  if (!request.wait()) {
    call->ctx.set_deadline(std::chrono::system_clock::now() + call_timeout_);
  }
  peers_->AddForwarded(peer.orchestrator_id());
  std::string address = peer.address();
  call->stub = dim::v1::Orchestrator::NewStub(pool_->Get(address));
  call->stub->async()->SubmitJob(
      &call->ctx, &call->request, &call->response,
      [this, call, address, done](grpc::Status st) {
        if (!st.ok()) {
          return done(rpc::FromGrpc(st).WithContext(
              "forwarding to orchestrator at " + address));
        }
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (owners_.size() >= kMaxRemembered) owners_.clear();
          owners_[call->response.id()] = address;
        }
        done(std::move(call->response));
      });
}

Result<std::string> PeerRouter::FindOwner(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto known = owners_.find(id);
    if (known != owners_.end()) return known->second;
  }
  std::string asked;
  for (const auto& peer : peers_->Alive()) {
    auto stub = dim::v1::Orchestrator::NewStub(pool_->Get(peer.address()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + call_timeout_);
    dim::v1::GetJobRequest request;
    request.set_id(id);
    request.set_local(true);
    dim::v1::Job job;
    grpc::Status st = stub->GetJob(&ctx, request, &job);
    if (st.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (owners_.size() >= kMaxRemembered) owners_.clear();
      return owners_[id] = peer.address();
    }
    asked += (asked.empty() ? "" : ", ") + peer.orchestrator_id();
  }
  if (asked.empty()) return NotFound("");
  return NotFound(" (nor on the live peers " + asked + ")");
}

}  // namespace dim::orchestrator
