#include "core/rpc/metrics_interceptor.h"

#include <string>

namespace dim::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;

struct ApiMetrics {
  metrics::Family<metrics::Counter>* requests;
  metrics::Family<metrics::Histogram>* duration;
};

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(const ApiMetrics& metrics, const char* method)
      : metrics_(metrics),
        method_(method && *method == '/' ? method + 1
                                         : method ? method : "unknown"),
        timer_(&metrics.duration->WithLabels({method_})) {}

  // The call is over: without a status it was cancelled.
  ~MetricsInterceptor() override {
    if (!recorded_) Record(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
    if (m->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(m->GetSendStatus().error_code());
    }
    m->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    if (recorded_) return;
    recorded_ = true;
    timer_.Stop();
    metrics_.requests->WithLabels({method_, GrpcCodeName(code)}).Increment();
  }

  const ApiMetrics metrics_;
  const std::string method_;
  metrics::Timer timer_;
  bool recorded_ = false;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(metrics::Registry* registry)
      : metrics_{&registry->CounterFamily(
                     {"dim.api.requests",
                      "RPCs answered, by method and status code",
                      "",
                      {"method", "code"}}),
                 &registry->HistogramFamily(
                     {"dim.api.duration",
                      "Time from an RPC's arrival to its status, by method",
                      "seconds",
                      {"method"}})} {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(metrics_, info->method());
  }

 private:
  const ApiMetrics metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptorFactory(metrics::Registry* registry) {
  return std::make_unique<MetricsInterceptorFactory>(registry);
}

const char* GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

}  // namespace dim::rpc
