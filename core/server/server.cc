#include "core/server/server.h"

#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "core/ipfs/client.h"
#include "core/mesh/beat_codec.h"
#include "core/mesh/beat_signing.h"
#include "core/mesh/heartbeat_sender.h"
#include "core/mesh/listener.h"
#include "core/mesh/peers.h"
#include "core/mesh/registry.h"
#include "core/mesh/snapshot_publisher.h"
#include "core/orchestrator/access.h"
#include "core/orchestrator/dispatcher.h"
#include "core/orchestrator/job_manager.h"
#include "core/orchestrator/job_store.h"
#include "core/orchestrator/orchestrator_service.h"
#include "core/orchestrator/peer_router.h"
#include "core/orchestrator/selection.h"
#include "core/rpc/auth.h"
#include "core/rpc/channel_pool.h"
#include "core/rpc/credentials.h"
#include "core/runtime/engine_loader.h"
#include "core/runtime/node_runtime.h"
#include "core/runtime/node_service.h"
#include "core/security/rate_limiter.h"
#include "core/security/tokens.h"
#include "core/server/observability.h"
#include "core/util/log.h"

namespace dim::server {
namespace {

using config::DiscoveryMode;
using config::Role;

// How often the failure detector looks at the registry: the resolution
// of SUSPECT and DEAD, well below any heartbeat interval.
constexpr std::chrono::milliseconds kSweepInterval{100};
// The node of an all-in-one server reports into its registry this often,
// so that the orchestrator sees its load fresh.
constexpr std::chrono::milliseconds kLocalBeatInterval{250};

// gRPC's own messages go to the same log, in the same form.
void LogFromGrpc(gpr_log_func_args* args) {
  const char* component = "grpc";
  std::string tls = rpc::ExplainServerTlsFailure(args->message);
  if (!tls.empty()) {
    // A client's mistake, not the server's: worth a warning, in words.
    DIM_LOG(Warn, "tls") << tls;
    return;
  }
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

Result<std::string> ReadFile(const std::string& path, const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(key + ": " + path + ": cannot read it");
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
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
  std::unique_ptr<mesh::NodeRegistry> registry;
  std::unique_ptr<rpc::ChannelPool> pool;
  std::unique_ptr<orchestrator::NodeSelector> selector;
  std::unique_ptr<orchestrator::Dispatcher> dispatcher;
  std::unique_ptr<orchestrator::JobManager> jobs;
  std::unique_ptr<orchestrator::OrchestratorService> service;
  // Discovery over IPFS only.
  std::unique_ptr<mesh::PeerTable> peers;
  std::unique_ptr<orchestrator::PeerRouter> router;
  std::unique_ptr<rpc::Authenticator> auth;
  std::unique_ptr<security::RateLimiter> limiter;
  std::unique_ptr<orchestrator::Access> access;
};

// The process's part in the mesh, started once the server listens and
// stopped first at shutdown.
struct MeshParts {
  std::unique_ptr<ipfs::Client> ipfs;
  std::unique_ptr<mesh::BeatStamper> node_beats;
  std::unique_ptr<mesh::BeatStamper> orchestrator_beats;
  std::unique_ptr<mesh::MeshListener> listener;
  std::unique_ptr<mesh::SnapshotPublisher> snapshots;
  // Heartbeats out, and the failure detector.
  std::vector<std::unique_ptr<mesh::HeartbeatSender>> tickers;
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
  Status BuildAccess(const config::Config& config);
  Status BuildCredentials(const config::Config& config);
  Status Listen(const config::Config& config);
  void StartNodeBeats(const config::Config& config);
  void StartOrchestratorMesh(const config::Config& config);
  void OnStateChanges();
  dim::v1::OrchestratorStatus SelfStatus() const;
  dim::v1::IpfsHealth IpfsHealth() const;

  Addresses addresses_;
  OrchestratorParts orch_;
  NodeParts node_;
  MeshParts mesh_;
  int64_t started_ms_ = mesh::WallClockMs();
  std::string advertised_;  // node.advertise, else the listen address
  std::shared_ptr<grpc::ServerCredentials> serve_credentials_;
  std::shared_ptr<grpc::ChannelCredentials> dial_credentials_;
  // With security.ca: node beats are signed with these, and checked.
  std::string signing_cert_, signing_key_;
  std::unique_ptr<mesh::BeatVerifier> verifier_;
  std::unique_ptr<Observability> observability_;
  std::unique_ptr<grpc::Server> grpc_server_;

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

  mesh::LivenessPolicy liveness;
  liveness.suspect_after = config.discovery.suspect_after;
  liveness.dead_after = config.discovery.dead_after;
  liveness.default_interval = config.node.heartbeat_interval;
  orch_.registry = std::make_unique<mesh::NodeRegistry>(liveness);
  rpc::PoolOptions pool;
  pool.max_channels_per_endpoint = config.pool.max_channels_per_endpoint;
  pool.idle_timeout = config.pool.idle_timeout;
  pool.max_message_bytes = static_cast<int>(config.limits.max_message_bytes);
  pool.credentials = dial_credentials_;
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
  orchestrator::MeshHooks hooks;
  if (config.discovery.mode == DiscoveryMode::kIpfs) {
    orch_.peers = std::make_unique<mesh::PeerTable>(
        addresses_.orchestrator_id, liveness);
    orch_.router = std::make_unique<orchestrator::PeerRouter>(
        orch_.peers.get(), orch_.pool.get(), oc.forward_margin,
        std::chrono::seconds(10));
    hooks.self = [this] { return SelfStatus(); };
    hooks.peers = orch_.peers.get();
    hooks.router = orch_.router.get();
    hooks.ipfs_health = [this] { return IpfsHealth(); };
  }
  hooks.verifier = verifier_.get();
  DIM_RETURN_IF_ERROR(BuildAccess(config));
  orch_.service = std::make_unique<orchestrator::OrchestratorService>(
      orch_.jobs.get(), orch_.registry.get(), addresses_.orchestrator_id,
      config.node.heartbeat_interval, orch_.access.get(), std::move(hooks));
  return Status::Ok();
}

Status ServerImpl::BuildAccess(const config::Config& config) {
  const auto& sec = config.security;
  std::string token_key;
  if (!sec.token_key.empty()) {
    auto key = security::ReadTokenKey(sec.token_key);
    if (!key.ok()) return key.status().WithContext("security.token_key");
    token_key = std::move(key).value();
  }
  orch_.auth = std::make_unique<rpc::Authenticator>(
      std::move(token_key), !sec.client_ca.empty());

  const auto& rl = config.rate_limit;
  security::BucketConfig defaults{rl.per_minute, rl.burst};
  std::map<std::string, security::BucketConfig> users;
  for (const auto& text : rl.users) {
    auto parsed = config::ParseRateOverride(text);
    if (!parsed.ok()) return parsed.status().WithContext("rate_limit.users");
    users[parsed->user] = {parsed->per_minute,
                           parsed->burst > 0 ? parsed->burst : rl.burst};
  }
  orch_.limiter =
      std::make_unique<security::RateLimiter>(defaults, std::move(users));
  orch_.access = std::make_unique<orchestrator::Access>(orch_.auth.get(),
                                                        orch_.limiter.get());
  if (!orch_.auth->enabled()) return Status::Ok();
  std::string how = sec.token_key.empty() ? "" : "tokens";
  if (!sec.client_ca.empty()) {
    how += (how.empty() ? "" : ", ") + std::string("client certificates");
  }
  DIM_LOG(Info, "server") << "authentication on (" << how
                          << "); submissions limited per user";
  return Status::Ok();
}

Status ServerImpl::BuildCredentials(const config::Config& config) {
  const auto& sec = config.security;
  rpc::TlsFiles files{sec.ca,        "security.ca",
                      sec.cert,      "security.cert",
                      sec.key,       "security.key",
                      sec.client_ca, "security.client_ca"};
  auto serve = rpc::ServerCredentialsFrom(files);
  if (!serve.ok()) return serve.status();
  serve_credentials_ = std::move(serve).value();
  auto dial = rpc::ChannelCredentialsFrom(files);
  if (!dial.ok()) return dial.status();
  dial_credentials_ = std::move(dial).value();
  if (sec.ca.empty()) return Status::Ok();

  // With a CA, node heartbeats are signed and checked.
  auto ca = ReadFile(sec.ca, "security.ca");
  if (!ca.ok()) return ca.status();
  verifier_ = std::make_unique<mesh::BeatVerifier>(*ca);
  if (config.server.role == Role::kOrchestrator) return Status::Ok();
  if (sec.cert.empty()) {
    return InvalidArgument("security.ca is set, so this node must sign its "
                           "heartbeats: set security.cert and security.key");
  }
  auto cert = ReadFile(sec.cert, "security.cert");
  if (!cert.ok()) return cert.status();
  auto key = ReadFile(sec.key, "security.key");
  if (!key.ok()) return key.status();
  signing_cert_ = std::move(cert).value();
  signing_key_ = std::move(key).value();
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
                           serve_credentials_, &port);
  int max_bytes = static_cast<int>(config.limits.max_message_bytes);
  builder.SetMaxReceiveMessageSize(max_bytes);
  builder.SetMaxSendMessageSize(max_bytes);
  if (orch_.service) builder.RegisterService(orch_.service.get());
  if (node_.service) builder.RegisterService(node_.service.get());
  observability_ = std::make_unique<Observability>(
      &metrics::Default(), addresses_.orchestrator_id.empty()
                               ? addresses_.node_id
                               : addresses_.orchestrator_id);
  observability_->AddTo(&builder);
  grpc_server_ = builder.BuildAndStart();
  if (!grpc_server_ || port == 0) {
    return Unavailable("cannot listen on " + config.server.listen +
                       " (address in use, or not an address of this host)");
  }
  addresses_.listen = HostOf(config.server.listen) + ":" + std::to_string(port);
  if (orch_.registry) observability_->WatchNodes(orch_.registry.get());
  if (config.server.metrics_listen.empty()) return Status::Ok();
  auto http = observability_->ServeHttp(config.server.metrics_listen);
  if (!http.ok()) return http.status();
  addresses_.metrics = *http;
  DIM_LOG(Info, "server") << "Prometheus metrics at http://" << *http
                          << "/metrics";
  return Status::Ok();
}

void ServerImpl::StartNodeBeats(const config::Config& config) {
  const auto& nc = config.node;
  std::string advertised = advertised_;
  runtime::NodeRuntime* node = node_.runtime.get();
  mesh_.node_beats = std::make_unique<mesh::BeatStamper>(
      nc.heartbeat_interval);
  mesh::BeatStamper* stamper = mesh_.node_beats.get();
  auto beat = [node, stamper, advertised] {
    dim::v1::NodeHeartbeat out;
    *out.mutable_header() = stamper->Next();
    *out.mutable_status() = node->Status();
    out.mutable_status()->set_address(advertised);
    return out;
  };
  // Only beats that leave the process are signed: the local registry
  // trusts its own node.
  std::string cert = signing_cert_, key = signing_key_;
  auto signed_beat = [beat, cert, key] {
    dim::v1::NodeHeartbeat out = beat();
    if (key.empty()) return out;
    Status signed_ok = mesh::SignBeat(key, cert, &out);
    if (!signed_ok.ok()) {
      DIM_LOG(Error, "heartbeat") << "cannot sign: " << signed_ok.message();
    }
    return out;
  };

  if (orch_.registry) {
    // All in one process: the node reports straight into the registry.
    mesh::NodeRegistry* registry = orch_.registry.get();
    mesh_.tickers.push_back(std::make_unique<mesh::HeartbeatSender>(
        "the local orchestrator", kLocalBeatInterval, [registry, beat] {
          registry->Update(beat(), mesh::Source::kLocal);
          return Status::Ok();
        }));
  }
  if (config.discovery.mode == DiscoveryMode::kIpfs) {
    ipfs::Client* ipfs = mesh_.ipfs.get();
    mesh_.tickers.push_back(std::make_unique<mesh::HeartbeatSender>(
        std::string("IPFS topic ") + mesh::kNodeTopic, nc.heartbeat_interval,
        [ipfs, signed_beat] {
          return ipfs->Publish(mesh::kNodeTopic,
                               mesh::EncodeBeat(signed_beat()));
        }));
  } else if (config.discovery.mode == DiscoveryMode::kJoin &&
             !nc.join.empty()) {
    auto sink = mesh::RpcHeartbeatSink(nc.join, nc.heartbeat_interval,
                                       dial_credentials_);
    mesh_.tickers.push_back(std::make_unique<mesh::HeartbeatSender>(
        "orchestrator " + nc.join, nc.heartbeat_interval,
        [sink, signed_beat] { return sink(signed_beat()); }));
  }
}

dim::v1::OrchestratorStatus ServerImpl::SelfStatus() const {
  auto load = orch_.jobs->CurrentLoad();
  dim::v1::OrchestratorStatus status;
  status.set_orchestrator_id(addresses_.orchestrator_id);
  status.set_address(advertised_);
  status.set_queued(load.queued);
  status.set_running(load.running);
  status.set_capacity(load.capacity);
  status.set_version(DIMCTL_VERSION);
  status.set_started_ms(started_ms_);
  return status;
}

dim::v1::IpfsHealth ServerImpl::IpfsHealth() const {
  dim::v1::IpfsHealth out;
  if (!mesh_.ipfs) return out;
  ipfs::Health health = mesh_.ipfs->health();
  out.set_used(true);
  out.set_ok(health.ok);
  out.set_failures(health.failures);
  out.set_last_error(health.last_error);
  return out;
}

// Logs every change of a node's state, and moves the tasks of a node that
// went DEAD elsewhere.
void ServerImpl::OnStateChanges() {
  for (const auto& change : orch_.registry->Sweep()) {
    if (change.from == dim::v1::NODE_STATE_UNSPECIFIED &&
        change.to == dim::v1::NODE_STATE_ALIVE) {
      continue;  // the registry logged the join
    }
    std::string silent = std::to_string(change.silence.count() / 1000.0);
    silent = silent.substr(0, silent.find('.') + 2) + "s";
    auto state = mesh::StateName(change.to);
    if (change.to == dim::v1::NODE_STATE_ALIVE) {
      DIM_LOG(Info, "registry") << "node " << change.node_id << " is ALIVE";
    } else {
      DIM_LOG(Warn, "registry") << "node " << change.node_id << " at "
                                << change.address << " is " << state
                                << " (silent for " << silent << ")";
    }
    if (change.to == dim::v1::NODE_STATE_DEAD) {
      orch_.dispatcher->AbandonNode(change.node_id,
                                    std::string("went DEAD (silent for ") +
                                        silent + ")");
    }
  }
}

void ServerImpl::StartOrchestratorMesh(const config::Config& config) {
  mesh_.tickers.push_back(std::make_unique<mesh::HeartbeatSender>(
      "the failure detector", kSweepInterval, [this] {
        OnStateChanges();
        return Status::Ok();
      }));
  if (config.discovery.mode != DiscoveryMode::kIpfs) return;

  ipfs::Client* ipfs = mesh_.ipfs.get();
  mesh_.listener = std::make_unique<mesh::MeshListener>(
      ipfs, orch_.registry.get(), orch_.peers.get(), verifier_.get());
  mesh::SnapshotOptions snapshots;
  snapshots.orchestrator_id = addresses_.orchestrator_id;
  snapshots.key = config.discovery.snapshot_key;
  snapshots.interval = config.discovery.snapshot_interval;
  mesh_.snapshots = std::make_unique<mesh::SnapshotPublisher>(
      ipfs, orch_.registry.get(), snapshots);

  auto interval = config.orchestrator.heartbeat_interval;
  mesh_.orchestrator_beats = std::make_unique<mesh::BeatStamper>(interval);
  mesh_.tickers.push_back(std::make_unique<mesh::HeartbeatSender>(
      std::string("IPFS topic ") + mesh::kOrchestratorTopic, interval,
      [this, ipfs] {
        dim::v1::OrchestratorHeartbeat beat;
        *beat.mutable_header() = mesh_.orchestrator_beats->Next();
        *beat.mutable_status() = SelfStatus();
        return ipfs->Publish(mesh::kOrchestratorTopic,
                             mesh::EncodeBeat(beat));
      }));
}

Status ServerImpl::Build(const config::Config& config,
                         const config::Environment& env) {
  std::string port = PortOf(config.server.listen);
  std::string suffix = HostName() + "-" +
                       (port == "0" ? std::to_string(getpid()) : port);
  Role role = config.server.role;
  DIM_RETURN_IF_ERROR(BuildCredentials(config));
  if (config.discovery.mode == DiscoveryMode::kIpfs) {
    ipfs::Options options;
    options.command = config.ipfs.command;
    options.api = config.ipfs.api;
    options.timeout = config.ipfs.timeout;
    mesh_.ipfs = ipfs::NewKuboClient(options);
  }
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
  advertised_ = config.node.advertise.empty() ? addresses_.listen
                                              : config.node.advertise;
  if (config.discovery.mode == DiscoveryMode::kIpfs &&
      HostOf(advertised_).rfind("0.0.0.0", 0) == 0) {
    DIM_LOG(Warn, "server") << "announcing " << advertised_
                            << ", which others cannot dial; set "
                               "node.advertise (--advertise)";
  }
  if (orch_.registry) StartOrchestratorMesh(config);
  if (node_.runtime) StartNodeBeats(config);
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
  // The mesh goes first: its threads call into the roles.
  mesh_.tickers.clear();
  mesh_.snapshots.reset();
  mesh_.listener.reset();
  if (orch_.jobs) orch_.jobs->Shutdown();
  if (grpc_server_) {
    grpc_server_->Shutdown(std::chrono::system_clock::now() +
                           std::chrono::seconds(2));
  }
  if (node_.runtime) node_.runtime->Shutdown();
  if (observability_) observability_->Stop();
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
