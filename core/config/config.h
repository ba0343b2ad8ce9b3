// The settings of a dimctl process: built-in defaults, then dim.toml, then
// DIM_<SECTION>_<KEY> environment variables. examples/dim.toml documents
// every key; a unit test keeps it equal to the defaults below.
//
// Loading is a pure function of the file and the Environment passed in, so
// tests need not touch the process environment. Nothing here starts
// services or creates directories: values are checked, not acted upon.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/util/log.h"
#include "core/util/status.h"

namespace dim::config {

using Environment = std::map<std::string, std::string>;

// A snapshot of this process's environment variables.
Environment ProcessEnvironment();

enum class Role { kAll, kOrchestrator, kNode };

// How nodes and orchestrators find each other beyond one process.
//   kIpfs: heartbeats over the local IPFS daemon's pubsub, a registry
//          snapshot under IPNS, load sharing between orchestrators.
//   kJoin: a node with node.join set reports to that orchestrator over
//          gRPC; nothing else is discovered.
//   kNone: no discovery; an all-in-one server still uses its own node.
enum class DiscoveryMode { kIpfs, kJoin, kNone };

// "all", "orchestrator", "node".
const char* RoleName(Role role);
bool ParseRole(const std::string& text, Role* out);

struct ServerConfig {
  // HOST:PORT to serve gRPC on; port 0 picks a free port.
  std::string listen = "127.0.0.1:7420";
  Role role = Role::kAll;
  // Empty: see ResolveDataDir.
  std::string data_dir;
  // HOST:PORT for the Prometheus endpoint GET /metrics (plain HTTP); empty:
  // none. The same figures are always served over gRPC (dim.v1.Metrics).
  std::string metrics_listen;
};

struct OrchestratorConfig {
  // Empty: derived from the listen address when the server starts.
  std::string id;
  int max_concurrent_jobs = 32;
  int max_attempts = 3;
  std::chrono::milliseconds default_job_timeout = std::chrono::minutes(5);
  // How often the orchestrator announces its load to its peers.
  std::chrono::milliseconds heartbeat_interval = std::chrono::seconds(1);
  // A job is handed to the least-loaded live peer when this orchestrator
  // has more than this many jobs (queued and running) more than it.
  int forward_margin = 4;
  // Journal writes reach the disk before a job is acknowledged.
  bool fsync = true;
};

struct NodeConfig {
  // Empty: derived from the advertised address when the server starts.
  std::string id;
  // The address others dial to reach this server (orchestrators reach the
  // node, peer orchestrators the orchestrator); empty means server.listen.
  std::string advertise;
  // The orchestrator's HOST:PORT, for role node; empty: do not join.
  std::string join;
  // Empty: the example models built with dimctl.
  std::string model_dir;
  std::string dataset_dir;
  int max_concurrent_tasks = 2;
  int queue_limit = 1024;
  // Threads libtorch may use per task; 0 keeps libtorch's own default.
  int torch_threads = 1;
  // Model ids loaded at start-up, before the first task asks for them.
  std::vector<std::string> prewarm;
  std::chrono::milliseconds heartbeat_interval =
      std::chrono::seconds(1);
};

struct DiscoveryConfig {
  DiscoveryMode mode = DiscoveryMode::kJoin;
  // A member unheard for this many of its heartbeat intervals is SUSPECT
  // (no new tasks), then DEAD (its tasks go elsewhere).
  int suspect_after = 2;
  int dead_after = 3;
  // How often an orchestrator publishes its registry under IPNS.
  std::chrono::milliseconds snapshot_interval = std::chrono::seconds(30);
  // The IPFS key (`ipfs key list`) the snapshot is published under.
  std::string snapshot_key = "dim-registry";
};

struct IpfsConfig {
  // The Kubo command, a name on PATH or a path.
  std::string command = "ipfs";
  // The daemon's API multiaddr; empty: the command's own default
  // ($IPFS_PATH/api).
  std::string api;
  // Bound on every call to the daemon.
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
};

struct SecurityConfig {
  // PEM files. With cert and key the server speaks TLS; with ca this
  // process checks the servers it dials (nodes, peers, the orchestrator
  // it joins) against that CA and presents cert and key to them.
  std::string ca;
  std::string cert;
  std::string key;
  // Clients must present a certificate signed by this CA (mutual TLS);
  // the certificate's common name is the user.
  std::string client_ca;
  // A file whose bytes sign and check bearer tokens (`dimctl token
  // issue`). Authentication is on when this or client_ca is set.
  std::string token_key;
};

struct RateLimitConfig {
  // Jobs a user may submit per minute, with bursts up to `burst`.
  int per_minute = 120;
  int burst = 20;
  // Per-user overrides: "alice=600" or "alice=600/50" (per minute/burst).
  std::vector<std::string> users;
};

struct PoolConfig {
  int max_channels_per_endpoint = 2;
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
};

struct LimitsConfig {
  int64_t max_message_bytes = 64ll << 20;
  int64_t max_tensor_bytes = 64ll << 20;
  int max_tensor_rank = 8;
  int64_t max_tensor_elements = 16ll << 20;
  int max_job_steps = 32;
  int max_job_models = 16;
  int max_job_datasets = 64;
  // Bytes in one model, dataset or node id of a job.
  int max_id_length = 256;
};

struct LogConfig {
  dim::log::Level level = dim::log::Level::kInfo;
};

struct Config {
  ServerConfig server;
  OrchestratorConfig orchestrator;
  NodeConfig node;
  DiscoveryConfig discovery;
  IpfsConfig ipfs;
  SecurityConfig security;
  RateLimitConfig rate_limit;
  PoolConfig pool;
  LimitsConfig limits;
  LogConfig log;
};

// Returns the defaults overlaid with the file at `path` (skipped when path
// is empty) and then with the DIM_<SECTION>_<KEY> entries of env. Other
// DIM_* variables (DIM_ADDR, DIM_TOKEN, ...) are not configuration and are
// ignored.
//
// Errors: a missing file is kNotFound naming the path. Everything else is
// kInvalidArgument: in the file "path:line:column: section.key: message"
// (unknown key, wrong type, value out of range); in the environment
// "DIM_NODE_QUEUE_LIMIT: expected an integer from 1 to 1000000, got 'x'".
Result<Config> LoadConfig(const std::string& path, const Environment& env);

// One entry of rate_limit.users; burst 0 means the default burst.
struct RateOverride {
  std::string user;
  int per_minute = 0;
  int burst = 0;
};
Result<RateOverride> ParseRateOverride(const std::string& text);

// The checks that involve more than one key, such as dead_after exceeding
// suspect_after; LoadConfig runs them, and so must whoever changes a
// Config afterwards (command-line flags). kInvalidArgument naming the keys.
Status CheckConsistency(const Config& config);

// Sets one key from text written as in an environment variable (a list
// comma-separated), checked as the file would be; for command-line flags.
// kInvalidArgument without a prefix ("expected HOST:PORT such as ...");
// kNotFound for an unknown section or key.
Status SetFromText(Config* config, const std::string& section,
                   const std::string& key, const std::string& text);

// server.data_dir, or when it is empty $XDG_STATE_HOME/dimctl, or
// $HOME/.local/state/dimctl. Fails with kFailedPrecondition when none of
// the three is set.
Result<std::string> ResolveDataDir(const Config& config,
                                   const Environment& env);

// Every key with its effective value written as in dim.toml, in the order
// examples/dim.toml lists them: {"node.prewarm", "[\"a\", \"b\"]"}.
std::vector<std::pair<std::string, std::string>> ConfigValues(
    const Config& config);

}  // namespace dim::config
