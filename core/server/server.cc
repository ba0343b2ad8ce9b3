#include "core/server/server.h"

#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "core/mesh/heartbeat_sender.h"
#include "core/orchestrator/dispatcher.h"
#include "core/orchestrator/job_manager.h"
#include "core/orchestrator/job_store.h"
#include "core/orchestrator/orchestrator_service.h"
#include "core/orchestrator/registry.h"
#include "core/orchestrator/selection.h"
#include "core/rpc/channel_pool.h"
#include "core/runtime/engine_loader.h"
#include "core/runtime/node_runtime.h"
#include "core/runtime/node_service.h"
#include "core/util/log.h"

namespace dim::server {
namespace {

using config::Role;

// gRPC's own messages go to the same log, in the same form.
void LogFromGrpc(gpr_log_func_args* args) {
  const char* component = "grpc";
  switch (args->severity) {
    case GPR_LOG_SEVERITY_ERROR:
      DIM_LOG(Error, component) << args->message;
      break;
    case GPR_LOG_SEVERITY_INFO:
      DIM_LOG(Info, component) << args->message;
      break;
    default:
      DIM_LOG(Debug, component) << args->message;
  }
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string HostOf(const std::string& address) {
  auto colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

std::string PortOf(const std::string& address) {
  auto colon = address.rfind(':');
  return colon == std::string::npos ? "" : address.substr(colon + 1);
}

tensor::Limits TensorLimits(const config::LimitsConfig& l) {
  return tensor::Limits{l.max_tensor_bytes, l.max_tensor_rank,
                        l.max_tensor_elements};
}

// The pieces of the orchestrator role, in construction order.
struct OrchestratorParts {
  std::unique_ptr<orchestrator::JobStore> store;
  std::unique_ptr<orchestrator::NodeRegistry> registry;
  std::unique_ptr<rpc::ChannelPool> pool;
  std::unique_ptr<orchestrator::NodeSelector> selector;
  std::unique_ptr<orchestrator::Dispatcher> dispatcher;
  std::unique_ptr<orchestrator::JobManager> jobs;
  std::unique_ptr<orchestrator::OrchestratorService> service;
};

struct NodeParts {
  std::unique_ptr<runtime::NodeRuntime> runtime;
  std::unique_ptr<runtime::NodeService> service;
};

class ServerImpl final : public Server {
 public:
  Status Build(const config::Config& config, const config::Environment& env);

  const Addresses& addresses() const override { return addresses_; }
  void Shutdown() override;
  void Wait() override;

 private:
  Status BuildOrchestrator(const config::Config& config,
                           const config::Environment& env);
  Status BuildNode(const config::Config& config);
  Status Listen(const config::Config& config);
  void StartHeartbeats(const config::Config& config);

  Addresses addresses_;
  OrchestratorParts orch_;
  NodeParts node_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<mesh::HeartbeatSender> heartbeats_;

  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool shutting_down_ = false;  // guarded by mutex_
  bool done_ = false;           // guarded by mutex_
};

Status ServerImpl::BuildOrchestrator(const config::Config& config,
                                     const config::Environment& env) {
  const auto& oc = config.orchestrator;
  auto data_dir = config::ResolveDataDir(config, env);
  if (!data_dir.ok()) return data_dir.status();
  addresses_.data_dir = *data_dir;

  std::map<std::string, dim::v1::Job> recovered;
  auto durability = oc.fsync ? orchestrator::Durability::kFsync
                             : orchestrator::Durability::kWrite;
  auto store = orchestrator::JobStore::Open(*data_dir, durability, &recovered);
  if (!store.ok()) return store.status().WithContext("job journal");
  orch_.store = std::move(store).value();

  orch_.registry = std::make_unique<orchestrator::NodeRegistry>(oc.node_expiry);
  rpc::PoolOptions pool;
  pool.max_channels_per_endpoint = config.pool.max_channels_per_endpoint;
  pool.idle_timeout = config.pool.idle_timeout;
  pool.max_message_bytes = static_cast<int>(config.limits.max_message_bytes);
  orch_.pool = std::make_unique<rpc::ChannelPool>(pool);
  orch_.selector = std::make_unique<orchestrator::NodeSelector>();
  orch_.dispatcher = std::make_unique<orchestrator::Dispatcher>(
      orch_.registry.get(), orch_.pool.get(), orch_.selector.get(),
      oc.max_attempts);

  orchestrator::ManagerOptions options;
  options.orchestrator_id = addresses_.orchestrator_id;
  options.max_concurrent_jobs = oc.max_concurrent_jobs;
  options.default_timeout = oc.default_job_timeout;
  options.job_limits = job::JobLimitsFrom(config.limits);
  options.tensor_limits = TensorLimits(config.limits);
  orch_.jobs = std::make_unique<orchestrator::JobManager>(
      options, orch_.store.get(), orch_.registry.get(),
      orch_.dispatcher.get(), std::move(recovered));
  orch_.service = std::make_unique<orchestrator::OrchestratorService>(
      orch_.jobs.get(), orch_.registry.get(), addresses_.orchestrator_id,
      config.node.heartbeat_interval);
  return Status::Ok();
}

Status ServerImpl::BuildNode(const config::Config& config) {
  const auto& nc = config.node;
  auto engine = runtime::LoadTorchEngine(runtime::DefaultPluginPath(),
                                         nc.torch_threads);
  if (!engine.ok()) return engine.status();

  runtime::NodeOptions options;
  options.node_id = addresses_.node_id;
  options.address = nc.advertise.empty() ? addresses_.listen : nc.advertise;
  options.model_dir = nc.model_dir;
  options.dataset_dir = nc.dataset_dir;
  options.max_concurrent_tasks = nc.max_concurrent_tasks;
  options.queue_limit = nc.queue_limit;
  options.prewarm = nc.prewarm;
  options.limits = TensorLimits(config.limits);
  auto node = runtime::NodeRuntime::Create(options, std::move(engine).value());
  if (!node.ok()) return node.status().WithContext("node " + options.node_id);
  node_.runtime = std::move(node).value();
  node_.service = std::make_unique<runtime::NodeService>(node_.runtime.get());
  return Status::Ok();
}

Status ServerImpl::Listen(const config::Config& config) {
  gpr_set_log_function(LogFromGrpc);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Without this a second server on the same port would start and share
  // the traffic silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(config.server.listen,
                           grpc::InsecureServerCredentials(), &port);
  int max_bytes = static_cast<int>(config.limits.max_message_bytes);
  builder.SetMaxReceiveMessageSize(max_bytes);
  builder.SetMaxSendMessageSize(max_bytes);
  if (orch_.service) builder.RegisterService(orch_.service.get());
  if (node_.service) builder.RegisterService(node_.service.get());
  grpc_server_ = builder.BuildAndStart();
  if (!grpc_server_ || port == 0) {
    return Unavailable("cannot listen on " + config.server.listen +
                       " (address in use, or not an address of this host)");
  }
  addresses_.listen = HostOf(config.server.listen) + ":" + std::to_string(port);
  return Status::Ok();
}

void ServerImpl::StartHeartbeats(const config::Config& config) {
  const auto& nc = config.node;
  std::string advertised = nc.advertise.empty() ? addresses_.listen
                                                : nc.advertise;
  runtime::NodeRuntime* node = node_.runtime.get();
  auto source = [node, advertised] {
    dim::v1::NodeStatus status = node->Status();
    status.set_address(advertised);
    return status;
  };
  if (orch_.registry) {
    // All in one process: the node reports straight into the registry.
    orchestrator::NodeRegistry* registry = orch_.registry.get();
    heartbeats_ = std::make_unique<mesh::HeartbeatSender>(
        "the local orchestrator", std::chrono::milliseconds(250), source,
        [registry](const dim::v1::NodeStatus& status) {
          registry->Update(status);
          return Status::Ok();
        });
  } else if (!nc.join.empty()) {
    heartbeats_ = std::make_unique<mesh::HeartbeatSender>(
        "orchestrator " + nc.join, nc.heartbeat_interval, source,
        mesh::RpcHeartbeatSink(nc.join, nc.heartbeat_interval));
  }
}

Status ServerImpl::Build(const config::Config& config,
                         const config::Environment& env) {
  std::string port = PortOf(config.server.listen);
  std::string suffix = HostName() + "-" +
                       (port == "0" ? std::to_string(getpid()) : port);
  Role role = config.server.role;
  if (role != Role::kNode) {
    addresses_.orchestrator_id = config.orchestrator.id.empty()
                                     ? "orch-" + suffix
                                     : config.orchestrator.id;
    DIM_RETURN_IF_ERROR(BuildOrchestrator(config, env));
  }
  if (role != Role::kOrchestrator) {
    addresses_.node_id = config.node.id.empty() ? suffix : config.node.id;
    DIM_RETURN_IF_ERROR(BuildNode(config));
  }
  DIM_RETURN_IF_ERROR(Listen(config));
  if (node_.runtime) StartHeartbeats(config);
  DIM_LOG(Info, "server") << "serving "
                          << config::RoleName(role) << " on "
                          << addresses_.listen;
  return Status::Ok();
}

void ServerImpl::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shutting_down_) return;
    shutting_down_ = true;
  }
  DIM_LOG(Info, "server") << "shutting down";
  if (heartbeats_) heartbeats_->Stop();
  if (orch_.jobs) orch_.jobs->Shutdown();
  if (grpc_server_) {
    grpc_server_->Shutdown(std::chrono::system_clock::now() +
                           std::chrono::seconds(2));
  }
  if (node_.runtime) node_.runtime->Shutdown();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  done_cv_.notify_all();
}

void ServerImpl::Wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [this] { return done_; });
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const config::Config& config,
                                              const config::Environment& env) {
  auto server = std::make_unique<ServerImpl>();
  Status built = server->Build(config, env);
  if (!built.ok()) {
    server->Shutdown();
    return built;
  }
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace dim::server
