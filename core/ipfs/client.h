// dimctl's view of the user's IPFS daemon: content (add, cat), pubsub,
// keys and IPNS names. The mesh talks to Client only, so that it can be
// given a substitute where no daemon can run; NewKuboClient returns the
// real one, which runs the `ipfs` command line of Kubo (0.43 or newer).
//
// Errors name the command and what the daemon said, e.g.
// "ipfs cat bafy...: Error: ...". Their codes:
//   Unavailable       the daemon is down or unreachable, or the command is
//                     missing or cannot be executed
//   DeadlineExceeded  the call took longer than Options::timeout (the
//                     child was killed)
//   NotFound          a name, key or path that does not resolve
//   InvalidArgument   an argument the daemon (or this client) rejects
//   AlreadyExists     a key name that is taken
//   ResourceExhausted content larger than the caller's limit
//   Internal          anything else the daemon reported
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace dim::ipfs {

struct Options {
  std::string command = "ipfs";  // a path, or a name looked up on PATH
  // The daemon's RPC multiaddr; empty: ipfs's own default ($IPFS_PATH/api).
  std::string api;
  std::chrono::milliseconds timeout = std::chrono::seconds(10);  // per call
};

struct Key {
  std::string name;
  std::string id;  // the IPNS name the key publishes under
};

struct Message {
  std::string from;   // peer id of the sender
  std::string data;   // the published bytes, decoded
  std::string seqno;  // decoded; empty if the daemon sent none
};

// The client's view of the daemon's health, for status pages and metrics.
struct Health {
  bool ok = true;         // false from a failure until the next success
  uint64_t failures = 0;  // total failed calls and subscription restarts
  std::string last_error;  // the latest failure, kept after recovery
};

// A running subscription. Destroying it stops it promptly (well under a
// second): the child is killed, its pipes closed and its thread joined;
// no callback runs after the destructor returns.
class Subscription {
 public:
  virtual ~Subscription() = default;
  // True while a subscriber process is up (not while waiting to restart).
  virtual bool running() const = 0;
  // Lines that could not be understood and were skipped.
  virtual uint64_t malformed_lines() const = 0;
};

// Thread-safe: any thread may call any method, concurrently. Calls block
// the calling thread for at most Options::timeout each.
class Client {
 public:
  virtual ~Client() = default;

  // The daemon's peer id.
  virtual Result<std::string> Id() = 0;
  // Stores `bytes` (pinned) and returns its CID.
  virtual Result<std::string> Add(const std::string& bytes) = 0;
  // The content of `cid`; ResourceExhausted if it is over max_bytes.
  virtual Result<std::string> Cat(const std::string& cid,
                                  int64_t max_bytes) = 0;
  // Best effort: a message sent before a subscription has propagated to
  // the daemon is lost.
  virtual Status Publish(const std::string& topic,
                         const std::string& bytes) = 0;
  virtual Result<std::vector<Key>> ListKeys() = 0;
  virtual Result<Key> GenerateKey(const std::string& name) = 0;
  // Publishes /ipfs/<cid> under the key named `key_name` and returns the
  // IPNS name (the key id). Resolvers may cache the record for `ttl`
  // (zero: Kubo's default, 5 minutes): set it to when the next
  // publication is due. May take seconds on a real network.
  virtual Result<std::string> PublishName(const std::string& key_name,
                                          const std::string& cid,
                                          std::chrono::milliseconds ttl) = 0;
  // "/ipns/<id>" or "<id>" -> the CID it points to, without "/ipfs/".
  // Always the newest record the daemon can find, never its cache: the
  // callers want what was published last.
  virtual Result<std::string> ResolveName(const std::string& name) = 0;

  // Starts a supervised subscriber process for `topic`. `on_message` runs
  // on the subscription's own thread, once per decoded message, in order.
  // A subscriber that exits or cannot start is restarted after a pause
  // that doubles from 100 ms up to 5 s, and starts again from 100 ms once
  // a subscriber has run for 10 s. Each restart counts as a failure in
  // health(); each good message as a success.
  virtual std::unique_ptr<Subscription> Subscribe(
      const std::string& topic,
      std::function<void(const Message&)> on_message) = 0;

  // Calls and subscriptions report here. The first failure after a
  // success logs one warning; the first success after failures logs one
  // info line; failures in between are only counted. Errors about the
  // request rather than the daemon (NotFound, InvalidArgument,
  // AlreadyExists, ResourceExhausted) count as successes: the daemon
  // answered.
  virtual Health health() const = 0;
};

// A Client that runs `options.command` for each call.
std::unique_ptr<Client> NewKuboClient(const Options& options);

}  // namespace dim::ipfs
