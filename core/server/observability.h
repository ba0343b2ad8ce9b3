// What a server shows of itself to its operators: the dim.v1.Metrics gRPC
// service, the interceptor that times every RPC, the gauges read from the
// registry at each collection, and the optional Prometheus endpoint.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server_builder.h>

#include "core/mesh/registry.h"
#include "core/metrics/registry.h"
#include "core/rpc/metrics_http.h"
#include "core/rpc/metrics_service.h"
#include "core/util/status.h"

namespace dim::server {

// Owned by the server; used from its owner thread only.
class Observability {
 public:
  // `server_id` names this server in `dimctl metrics -o json`.
  Observability(metrics::Registry* registry, std::string server_id);
  ~Observability();

  // Before the server is built: the interceptor and the service.
  void AddTo(grpc::ServerBuilder* builder);
  // dim.nodes.total{state}, read from the orchestrator's registry, which
  // must outlive this object (or StopGauges).
  void WatchNodes(const mesh::NodeRegistry* nodes);
  // Serves GET /metrics on `address`; returns the address bound.
  // kUnavailable naming the address when it cannot listen there.
  Result<std::string> ServeHttp(const std::string& address);
  // Stops the HTTP endpoint and the callback gauges. Idempotent.
  void Stop();

 private:
  metrics::Registry* const registry_;
  rpc::MetricsService service_;
  std::unique_ptr<rpc::MetricsHttpServer> http_;
  metrics::CallbackHandle nodes_;
};

}  // namespace dim::server
