// The dim.v1.Orchestrator gRPC service over a JobManager and a
// mesh::NodeRegistry. Errors keep their codes on the wire; messages name the
// job, model or node involved.
#pragma once

#include <chrono>
#include <functional>

#include "core/mesh/beat_signing.h"
#include "core/mesh/peers.h"
#include "core/mesh/registry.h"
#include "core/orchestrator/access.h"
#include "core/orchestrator/job_manager.h"
#include "core/orchestrator/peer_router.h"
#include "core/util/log.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::orchestrator {

// What the service knows of the mesh beyond its own jobs and nodes. Every
// member may be null or empty: then there are no peers, and no IPFS.
struct MeshHooks {
  // This orchestrator as its peers see it (id, address, load).
  std::function<dim::v1::OrchestratorStatus()> self;
  mesh::PeerTable* peers = nullptr;
  PeerRouter* router = nullptr;
  std::function<dim::v1::IpfsHealth()> ipfs_health;
  // Checks the signatures of node heartbeats (security.ca); null: none.
  const mesh::BeatVerifier* verifier = nullptr;
};

// SubmitJob uses gRPC's callback API, so that a client waiting for its job
// holds no server thread: the job's worker sends the answer when it ends.
class OrchestratorService final
    : public dim::v1::Orchestrator::WithCallbackMethod_SubmitJob<
          dim::v1::Orchestrator::Service> {
 public:
  // Borrows jobs, registry and access; they must outlive the service.
  OrchestratorService(JobManager* jobs, mesh::NodeRegistry* registry,
                      std::string orchestrator_id,
                      std::chrono::milliseconds heartbeat_interval,
                      Access* access, MeshHooks mesh = {});

  grpc::ServerUnaryReactor* SubmitJob(
      grpc::CallbackServerContext* ctx,
      const dim::v1::SubmitJobRequest* request,
      dim::v1::SubmitJobResponse* response) override;
  grpc::Status GetJob(grpc::ServerContext* ctx,
                      const dim::v1::GetJobRequest* request,
                      dim::v1::Job* response) override;
  grpc::Status WatchJob(grpc::ServerContext* ctx,
                        const dim::v1::WatchJobRequest* request,
                        grpc::ServerWriter<dim::v1::JobEvent>* writer)
      override;
  grpc::Status CancelJob(grpc::ServerContext* ctx,
                         const dim::v1::CancelJobRequest* request,
                         dim::v1::CancelJobResponse* response) override;
  grpc::Status ListJobs(grpc::ServerContext* ctx,
                        const dim::v1::ListJobsRequest* request,
                        dim::v1::ListJobsResponse* response) override;
  grpc::Status ListNodes(grpc::ServerContext* ctx,
                         const dim::v1::ListNodesRequest* request,
                         dim::v1::ListNodesResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* ctx,
                         const dim::v1::HeartbeatRequest* request,
                         dim::v1::HeartbeatResponse* response) override;
  grpc::Status GetQuota(grpc::ServerContext* ctx,
                        const dim::v1::GetQuotaRequest* request,
                        dim::v1::Quota* response) override;

 private:
  // Submits here, and answers when accepted or, with wait, when ended.
  void SubmitHere(grpc::ServerUnaryReactor* reactor,
                  const dim::v1::SubmitJobRequest* request,
                  dim::v1::SubmitJobResponse* response,
                  const std::string& peer, const std::string& user);
  // The owner's address when `id` is not this orchestrator's but a peer
  // holds it. Otherwise (or when `local` asks not to look) `here`, the
  // error of the local lookup, with the peers asked appended.
  Result<std::string> OwnerElsewhere(const Status& here, const std::string& id,
                                     bool local);
  // Sends `request`, marked local, to the orchestrator at `owner`, within
  // the client's deadline.
  using Stub = dim::v1::Orchestrator::Stub;
  template <typename Request, typename Response>
  grpc::Status AskOwner(const std::string& owner,
                        const grpc::ServerContext& ctx, Request request,
                        Response* response,
                        grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                     const Request&,
                                                     Response*));
  grpc::Status RelayWatch(grpc::ServerContext* ctx, const std::string& owner,
                          const std::string& id,
                          grpc::ServerWriter<dim::v1::JobEvent>* writer);
  // Logs a refused heartbeat once per claimed node id; the node hears
  // every refusal in the answer, and the count is in the metrics.
  void ReportRejectedBeat(const std::string& node_id, const Status& why);

  JobManager* const jobs_;
  mesh::NodeRegistry* const registry_;
  Access* const access_;
  const std::string orchestrator_id_;
  const std::chrono::milliseconds heartbeat_interval_;
  const MeshHooks mesh_;
  // Node ids whose refused beats were logged.
  log::OncePerKey reported_;
};

}  // namespace dim::orchestrator
