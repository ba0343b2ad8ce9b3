// dim.v1.Metrics, served by every role: a snapshot of a registry. And the
// client side, for `dimctl metrics`.
#pragma once

#include <chrono>
#include <string>

#include "core/metrics/registry.h"
#include "core/rpc/orchestrator_client.h"
#include "core/util/status.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::rpc {

class MetricsService final : public dim::v1::Metrics::Service {
 public:
  // Borrows the registry. `server_id` names this server in the answers
  // (the orchestrator's or the node's id).
  MetricsService(metrics::Registry* registry, std::string server_id);

  grpc::Status GetMetrics(grpc::ServerContext* context,
                          const dim::v1::GetMetricsRequest* request,
                          dim::v1::GetMetricsResponse* response) override;

 private:
  metrics::Registry* const registry_;
  const std::string server_id_;
};

// Asks the server at `address` (HOST:PORT) for its metrics, with the
// options' credentials and token; options.call_timeout bounds the call.
// kUnavailable, naming the address, when it cannot be reached.
Result<dim::v1::GetMetricsResponse> FetchMetrics(
    const std::string& address, const ClientOptions& options);

}  // namespace dim::rpc
