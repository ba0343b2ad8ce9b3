#include "core/server/observability.h"

#include <map>

#include "core/mesh/liveness.h"
#include "core/rpc/metrics_interceptor.h"

namespace dim::server {

Observability::Observability(metrics::Registry* registry,
                             std::string server_id)
    : registry_(registry), service_(registry, std::move(server_id)) {}

Observability::~Observability() { Stop(); }

void Observability::AddTo(grpc::ServerBuilder* builder) {
  std::vector<std::unique_ptr<
      grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(rpc::NewMetricsInterceptorFactory(registry_));
  builder->experimental().SetInterceptorCreators(std::move(interceptors));
  builder->RegisterService(&service_);
}

void Observability::WatchNodes(const mesh::NodeRegistry* nodes) {
  nodes_ = registry_->AddCallbackGauge(
      {"dim.nodes.total", "Nodes the orchestrator knows, by state", "",
       {"state"}},
      [nodes] {
        // Every state is reported, zero included, so that a dashboard
        // sees DEAD fall back to 0 rather than a series vanish.
        std::map<std::string, double> by_state = {
            {"ALIVE", 0}, {"SUSPECT", 0}, {"DEAD", 0}};
        for (const auto& entry : nodes->List()) {
          by_state[mesh::StateName(entry.state())] += 1;
        }
        std::vector<metrics::GaugeReading> readings;
        for (const auto& [state, count] : by_state) {
          readings.push_back({{state}, count});
        }
        return readings;
      });
}

Result<std::string> Observability::ServeHttp(const std::string& address) {
  http_ = std::make_unique<rpc::MetricsHttpServer>(registry_);
  auto bound = http_->Start(address);
  if (!bound.ok()) {
    http_.reset();
    return bound.status().WithContext("server.metrics_listen");
  }
  return bound;
}

void Observability::Stop() {
  if (http_) http_->Stop();
  nodes_.Reset();
}

}  // namespace dim::server
