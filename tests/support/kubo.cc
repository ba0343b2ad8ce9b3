#include "tests/support/kubo.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace dim::testing {
namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(30);
constexpr auto kCommandTimeout = std::chrono::seconds(30);

// Process and Run exec a path, not a name.
std::string FindOnPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

std::string Describe(const std::vector<std::string>& args,
                     const RunResult& r) {
  std::string text = "ipfs";
  for (const auto& a : args) text += " " + a;
  return text + " exited " + std::to_string(r.exit_code) + ": " +
         Trim(r.err + r.out);
}

// "/ip4/1.2.3.4/tcp/5/p2p/ID" -> "/ip4/1.2.3.4/tcp/5"
std::string WithoutPeer(const std::string& addr) {
  return addr.substr(0, addr.find("/p2p/"));
}

}  // namespace

std::string KuboPath() { return FindOnPath("ipfs"); }

bool KuboAvailable() {
  static const bool available = [] {
    std::string path = KuboPath();
    return !path.empty() &&
           Run({path, "version"}, {}, kCommandTimeout).exit_code == 0;
  }();
  return available;
}

KuboDaemon::KuboDaemon(KuboOptions options) : options_(std::move(options)) {
  if (!options_.wrapper.empty()) {
    options_.wrapper[0] = FindOnPath(options_.wrapper[0]);
  }
  std::string pattern =
      (std::filesystem::temp_directory_path() / "dimkubo-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    error_ = "cannot create a temporary repository";
    return;
  }
  repo_ = pattern;

  RunResult init = Command({"init", "--profile=test"});
  if (init.exit_code != 0) {
    error_ = Describe({"init"}, init);
    return;
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"config", "--json", "Pubsub.Enabled", "true"},
        {"config", "Addresses.Gateway", "/ip4/127.0.0.1/tcp/0"}}) {
    RunResult r = Command(args);
    if (r.exit_code != 0) {
      error_ = Describe(args, r);
      return;
    }
  }
  if (!Configure("/ip4/" + options_.api_host + "/tcp/0",
                 "/ip4/" + options_.swarm_host + "/tcp/0")) {
    return;
  }
  Start();
}

KuboDaemon::~KuboDaemon() {
  Kill();
  if (!repo_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(repo_, ec);
  }
}

RunResult KuboDaemon::Command(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = options_.wrapper;
  argv.push_back(KuboPath());
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, env(), kCommandTimeout);
}

RunResult KuboDaemon::Ipfs(const std::vector<std::string>& args) const {
  std::vector<std::string> full{"--api=" + api_};
  full.insert(full.end(), args.begin(), args.end());
  return Command(full);
}

bool KuboDaemon::Configure(const std::string& api, const std::string& swarm) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"config", "Addresses.API", api},
        {"config", "--json", "Addresses.Swarm", "[\"" + swarm + "\"]"}}) {
    RunResult r = Command(args);
    if (r.exit_code != 0) {
      error_ = Describe(args, r);
      return false;
    }
  }
  return true;
}

bool KuboDaemon::Start() {
  std::vector<std::string> argv = options_.wrapper;
  argv.insert(argv.end(), {KuboPath(), "daemon"});
  daemon_ = std::make_unique<Process>(argv, env());
  if (!daemon_->WaitForOutput("Daemon is ready", kReadyTimeout)) {
    error_ = "ipfs daemon in " + repo_ + " did not become ready:\n" +
             daemon_->Stdout() + daemon_->Stderr();
    Kill();
    return false;
  }
  api_ = Trim(ReadFile(repo_ + "/api"));
  std::string out = daemon_->Stdout();
  size_t at = out.find("PeerID: ");
  if (at != std::string::npos) {
    peer_id_ = Trim(out.substr(at + 8, out.find('\n', at) - at - 8));
  }

  // The daemon lists every address it listens on; keep the swarm_host one.
  RunResult id = Ipfs({"id", "-f", "<addrs>"});
  std::stringstream lines(id.out);
  std::string line, prefix = "/ip4/" + options_.swarm_host + "/tcp/";
  swarm_address_.clear();
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) == 0) {
      swarm_address_ = WithoutPeer(Trim(line)) + "/p2p/" + peer_id_;
      break;
    }
  }
  if (api_.empty() || peer_id_.empty() || swarm_address_.empty()) {
    error_ = "ipfs daemon in " + repo_ + " started, but api \"" + api_ +
             "\", peer id \"" + peer_id_ + "\" or swarm address (" +
             Describe({"id"}, id) + ") is missing";
    Kill();
    return false;
  }
  error_.clear();
  return true;
}

bool KuboDaemon::Connect(const KuboDaemon& other) {
  RunResult r = Ipfs({"swarm", "connect", other.swarm_address()});
  if (r.exit_code == 0) return true;
  error_ = Describe({"swarm", "connect", other.swarm_address()}, r);
  return false;
}

void KuboDaemon::Kill() {
  if (daemon_) daemon_->Stop(SIGKILL);
  daemon_.reset();
}

bool KuboDaemon::Restart() {
  Kill();
  // Same ports first, so that clients built with api() still reach it.
  if (!api_.empty() && !swarm_address_.empty() &&
      Configure(api_, WithoutPeer(swarm_address_)) && Start()) {
    return true;
  }
  return Configure("/ip4/" + options_.api_host + "/tcp/0",
                   "/ip4/" + options_.swarm_host + "/tcp/0") &&
         Start();
}

}  // namespace dim::testing
