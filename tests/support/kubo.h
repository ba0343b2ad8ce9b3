// Real Kubo daemons for tests: each in a temporary repository with the
// test profile (no bootstrap peers, no mDNS), pubsub enabled, and every
// listener on a free port chosen by the kernel. Tests that need two
// daemons to meet call Connect.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace dim::testing {

struct KuboOptions {
  // Prefix for every ipfs command run for this daemon, the daemon included,
  // e.g. {"ip", "netns", "exec", "ns1"}; its first word is looked up on
  // PATH.
  std::vector<std::string> wrapper;
  std::string swarm_host = "127.0.0.1";  // IPv4 address the swarm binds
  std::string api_host = "127.0.0.1";    // IPv4 address the RPC API binds
};

class KuboDaemon {
 public:
  // Creates the repository and starts the daemon; check ok().
  explicit KuboDaemon(KuboOptions options = {});
  ~KuboDaemon();  // kills the daemon and removes the repository
  KuboDaemon(const KuboDaemon&) = delete;
  KuboDaemon& operator=(const KuboDaemon&) = delete;

  bool ok() const { return error_.empty(); }
  // Why the last start failed, with the daemon's output.
  std::string error() const { return error_; }

  const std::string& repo() const { return repo_; }  // IPFS_PATH
  std::string api() const { return api_; }           // e.g. /ip4/../tcp/N
  std::string peer_id() const { return peer_id_; }
  // The swarm multiaddr on swarm_host: /ip4/../tcp/../p2p/<id>.
  std::string swarm_address() const { return swarm_address_; }
  std::map<std::string, std::string> env() const {
    return {{"IPFS_PATH", repo_}};
  }

  // `ipfs swarm connect` to the other daemon; false (and error() set)
  // if it fails.
  bool Connect(const KuboDaemon& other);
  // Runs `ipfs --api=API ARGS...` against this daemon.
  RunResult Ipfs(const std::vector<std::string>& args) const;

  // SIGKILL: the daemon dies without cleaning up; the repository stays.
  void Kill();
  // Starts the daemon again on the same repository, on the same API and
  // swarm ports when they are still free (so clients configured with
  // api() keep working), else on new ones. Kills a running daemon first.
  bool Restart();

 private:
  // `ipfs ARGS...` on the repository, through the wrapper.
  RunResult Command(const std::vector<std::string>& args) const;
  bool Configure(const std::string& api, const std::string& swarm);
  bool Start();

  KuboOptions options_;
  std::string repo_;
  std::unique_ptr<Process> daemon_;
  std::string error_;
  std::string api_, peer_id_, swarm_address_;
};

// True when `ipfs version` runs; tests without it skip.
bool KuboAvailable();
// The ipfs program found on PATH (empty if none).
std::string KuboPath();

}  // namespace dim::testing
