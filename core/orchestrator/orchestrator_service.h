// The dim.v1.Orchestrator gRPC service over a JobManager and a
// NodeRegistry. Errors keep their codes on the wire; messages name the
// job, model or node involved.
#pragma once

#include <chrono>

#include "core/orchestrator/job_manager.h"
#include "core/orchestrator/registry.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::orchestrator {

// SubmitJob uses gRPC's callback API, so that a client waiting for its job
// holds no server thread: the job's worker sends the answer when it ends.
class OrchestratorService final
    : public dim::v1::Orchestrator::WithCallbackMethod_SubmitJob<
          dim::v1::Orchestrator::Service> {
 public:
  // Borrows both; they must outlive the service.
  OrchestratorService(JobManager* jobs, NodeRegistry* registry,
                      std::string orchestrator_id,
                      std::chrono::milliseconds heartbeat_interval);

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

 private:
  JobManager* const jobs_;
  NodeRegistry* const registry_;
  const std::string orchestrator_id_;
  const std::chrono::milliseconds heartbeat_interval_;
};

}  // namespace dim::orchestrator
