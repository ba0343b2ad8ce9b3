// A running `dimctl serve`: one gRPC server hosting the orchestrator, a
// node, or both (role all), with the standard health and reflection
// services. The node role loads the libtorch runtime; the orchestrator
// role does not. Start() returns once the server listens.
#pragma once

#include <memory>
#include <string>

#include "core/config/config.h"
#include "core/util/status.h"

namespace dim::server {

struct Addresses {
  std::string listen;           // where the server is bound, HOST:PORT
  std::string orchestrator_id;  // empty without the orchestrator role
  std::string node_id;          // empty without the node role
  std::string data_dir;
  std::string metrics;          // HOST:PORT of GET /metrics; empty: none
};

class Server {
 public:
  // Everything is built from `config`; errors name the piece that failed
  // (the listen address, the model directory, the journal).
  static Result<std::unique_ptr<Server>> Start(
      const config::Config& config, const config::Environment& env);
  virtual ~Server() = default;

  virtual const Addresses& addresses() const = 0;
  // Stops accepting work, lets running RPCs finish for a short grace
  // period, and releases everything. Idempotent; callable from any thread.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown() has completed.
  virtual void Wait() = 0;
};

}  // namespace dim::server
