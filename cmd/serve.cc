// dimctl serve: run an orchestrator, a node, or both, until SIGINT or
// SIGTERM.
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cmd/cli.h"
#include "core/config/config.h"
#include "core/server/server.h"
#include "core/util/log.h"

namespace dim::cli {
namespace {

struct ServeFlags {
  std::string config_path;
  std::string listen, role, join, advertise, node_id, orchestrator_id;
  std::string discovery, ipfs_api, metrics_listen;
  std::string model_dir, dataset_dir, data_dir, log_level;
};

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Flags win over the environment, which wins over the file; they are
// checked as the file's values are.
Status ApplyFlags(const ServeFlags& f, config::Config* c) {
  const struct {
    const char* flag;
    const char* section;
    const char* key;
    const std::string& value;
  } flags[] = {
      {"--listen", "server", "listen", f.listen},
      {"--role", "server", "role", f.role},
      {"--data-dir", "server", "data_dir", f.data_dir},
      {"--metrics-listen", "server", "metrics_listen", f.metrics_listen},
      {"--join", "node", "join", f.join},
      {"--advertise", "node", "advertise", f.advertise},
      {"--node-id", "node", "id", f.node_id},
      {"--orchestrator-id", "orchestrator", "id", f.orchestrator_id},
      {"--discovery", "discovery", "mode", f.discovery},
      {"--ipfs-api", "ipfs", "api", f.ipfs_api},
      {"--model-dir", "node", "model_dir", f.model_dir},
      {"--dataset-dir", "node", "dataset_dir", f.dataset_dir},
      {"--log-level", "log", "level", f.log_level},
  };
  for (const auto& flag : flags) {
    if (flag.value.empty()) continue;
    Status st = config::SetFromText(c, flag.section, flag.key, flag.value);
    if (!st.ok()) return InvalidArgument(flag.flag + (": " + st.message()));
  }
  // Without a model directory a node serves the examples built with
  // dimctl, so that `dimctl serve` alone is enough to try it.
  std::string examples = DIMCTL_EXAMPLES_DIR;
  if (c->node.model_dir.empty() && IsDirectory(examples + "/models")) {
    c->node.model_dir = examples + "/models";
    if (c->node.dataset_dir.empty()) {
      c->node.dataset_dir = examples + "/datasets";
    }
  }
  if (c->server.role == config::Role::kNode && c->node.join.empty() &&
      c->discovery.mode != config::DiscoveryMode::kIpfs) {
    DIM_LOG(Warn, "serve") << "role node without --join or --discovery "
                              "ipfs: no orchestrator will hear of this node";
  }
  return config::CheckConsistency(*c);
}

void PrintBanner(const server::Addresses& a) {
  std::cout << "dimctl " << DIMCTL_VERSION << " serving on " << a.listen
            << "\n";
  if (!a.orchestrator_id.empty()) {
    std::cout << "  orchestrator " << a.orchestrator_id << " (jobs in "
              << a.data_dir << ")\n";
  }
  if (!a.node_id.empty()) std::cout << "  node " << a.node_id << "\n";
  if (!a.metrics.empty()) {
    std::cout << "  metrics http://" << a.metrics << "/metrics\n";
  }
  std::cout << "  try: dimctl --addr " << a.listen << " node ls" << std::endl;
}

int RunServe(const ServeFlags& flags) {
  auto env = config::ProcessEnvironment();
  std::string path = flags.config_path;
  if (path.empty() && env.count("DIM_CONFIG")) path = env["DIM_CONFIG"];
  auto config = config::LoadConfig(path, env);
  if (!config.ok()) return ReportError(config.status());
  Status applied = ApplyFlags(flags, &*config);
  if (!applied.ok()) return ReportError(applied);
  log::SetLevel(config->log.level);

  // Signals are taken by this thread alone; every thread started from
  // here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = server::Server::Start(*config, env);
  if (!server.ok()) {
    Status st = server.status();
    // Failing to start is not a usage error unless the input was bad.
    return ReportError(st.code() == Code::kInvalidArgument
                           ? st
                           : Status(Code::kInternal, st.message()));
  }
  PrintBanner((*server)->addresses());
  int received = 0;
  sigwait(&signals, &received);
  DIM_LOG(Info, "serve") << "received " << strsignal(received);
  (*server)->Shutdown();
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App* cmd, const Globals* globals, Runner* runner) {
  auto f = std::make_shared<ServeFlags>();
  cmd->add_option("-c,--config", f->config_path,
                  "dim.toml to read (env DIM_CONFIG)");
  cmd->add_option("--listen", f->listen,
                  "HOST:PORT to serve gRPC on (default 127.0.0.1:7420)");
  cmd->add_option("--role", f->role, "all, orchestrator or node");
  cmd->add_option("--join", f->join,
                  "Orchestrator HOST:PORT a node reports to");
  cmd->add_option("--advertise", f->advertise,
                  "Address the orchestrator uses to reach this node");
  cmd->add_option("--node-id", f->node_id, "This node's id");
  cmd->add_option("--orchestrator-id", f->orchestrator_id,
                  "This orchestrator's id");
  cmd->add_option("--discovery", f->discovery,
                  "ipfs, join or none (default join)");
  cmd->add_option("--ipfs-api", f->ipfs_api,
                  "Multiaddr of the IPFS daemon's API");
  cmd->add_option("--model-dir", f->model_dir,
                  "Folder with models.toml (default: the examples)");
  cmd->add_option("--dataset-dir", f->dataset_dir,
                  "Folder with datasets.toml");
  cmd->add_option("--data-dir", f->data_dir,
                  "Where the orchestrator keeps its job journal");
  cmd->add_option("--metrics-listen", f->metrics_listen,
                  "HOST:PORT to serve Prometheus GET /metrics on");
  cmd->add_option("--log-level", f->log_level,
                  "debug, info, warn, error or off");
  cmd->callback([f, runner] { *runner = [f] { return RunServe(*f); }; });
}

}  // namespace dim::cli
