// Records every RPC a server answers, unary and streaming alike, without
// the services doing anything: dim.api.requests{method,code} counts calls
// by the status they ended with, dim.api.duration{method} times them from
// arrival to the status being sent (for a server stream such as WatchJob,
// that is how long the client watched). A call that ends without a status
// (the client went away) counts as CANCELLED. `method` is the full gRPC
// method without its leading slash: dim.v1.Orchestrator/SubmitJob; calls
// to methods the server does not have are all method="unknown" (gRPC does
// not name them to interceptors).
#pragma once

#include <memory>

#include <grpcpp/support/server_interceptor.h>

#include "core/metrics/registry.h"

namespace dim::rpc {

// For grpc::ServerBuilder::experimental().SetInterceptorCreators. The
// registry must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptorFactory(metrics::Registry* registry);

// The name of a gRPC status code as gRPC writes it: OK, NOT_FOUND, ...
const char* GrpcCodeName(grpc::StatusCode code);

}  // namespace dim::rpc
