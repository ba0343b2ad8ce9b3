// The gRPC face of a node: dim.v1.Node over a NodeRuntime. Errors cross
// the wire with the same code and message the runtime gave.
#pragma once

#include <grpcpp/grpcpp.h>

#include "core/runtime/node_runtime.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::runtime {

// RunTask uses gRPC's callback API: a task waiting in the node's queue
// holds no server thread, and the worker that ran it sends the answer.
class NodeService final
    : public dim::v1::Node::WithCallbackMethod_RunTask<
          dim::v1::Node::Service> {
 public:
  // `runtime` is not owned and must outlive the service.
  explicit NodeService(NodeRuntime* runtime) : runtime_(runtime) {}

  // Honours the RPC deadline; a client that cancels the call or goes away
  // (or a deadline that passes) cancels the task.
  grpc::ServerUnaryReactor* RunTask(grpc::CallbackServerContext* context,
                                    const dim::v1::RunTaskRequest* request,
                                    dim::v1::RunTaskResponse* response)
      override;
  grpc::Status GetNodeStatus(grpc::ServerContext* context,
                             const dim::v1::GetNodeStatusRequest* request,
                             dim::v1::NodeStatus* response) override;
  grpc::Status Prewarm(grpc::ServerContext* context,
                       const dim::v1::PrewarmRequest* request,
                       dim::v1::PrewarmResponse* response) override;
  grpc::Status CancelTask(grpc::ServerContext* context,
                          const dim::v1::CancelTaskRequest* request,
                          dim::v1::CancelTaskResponse* response) override;
  grpc::Status ListModels(grpc::ServerContext* context,
                          const dim::v1::ListModelsRequest* request,
                          dim::v1::ListModelsResponse* response) override;

 private:
  NodeRuntime* const runtime_;
};

}  // namespace dim::runtime
