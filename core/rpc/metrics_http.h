// GET /metrics over plain HTTP/1.1, for Prometheus to scrape: the
// registry rendered in the text format. One thread serves every
// connection with poll(), so a client that is slow, silent or sends
// garbage holds nothing but its own socket: it is answered 400 or 431, or
// dropped when its time is up, while other scrapes go on. Each connection
// gets one answer and is closed.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics/registry.h"
#include "core/util/status.h"

namespace dim::rpc {

struct HttpOptions {
  // A connection must have sent its request, and then taken its answer,
  // within this time of being accepted, or it is closed.
  std::chrono::milliseconds io_timeout{5000};
  // Request line and headers; more is answered 431.
  size_t max_request_bytes = 8192;
  // Connections held at once; further ones wait in the listen backlog.
  size_t max_connections = 64;
};

// Start and Stop are for one owner thread; the server itself runs on a
// thread of its own.
class MetricsHttpServer {
 public:
  // Borrows the registry, which must outlive the server.
  explicit MetricsHttpServer(metrics::Registry* registry,
                             HttpOptions options = {});
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // Listens on HOST:PORT ([v6]:PORT for IPv6; port 0 picks a free one)
  // and returns the address bound, with the actual port. kUnavailable
  // naming the address when it cannot listen there, kInvalidArgument
  // when it is not HOST:PORT, kFailedPrecondition when already started.
  Result<std::string> Start(const std::string& address);
  // Closes every connection and the listener. Idempotent.
  void Stop();

 private:
  struct Connection;
  void Loop();
  void AcceptAll(std::vector<Connection>* conns);
  // Whether the connection stays open after doing what it is ready for.
  bool Serve(Connection* c, short revents);
  // Reads what has arrived and settles the answer once it can; false when
  // the connection is to be closed.
  bool Read(Connection* c);
  std::string Respond(const std::string& head) const;

  metrics::Registry* const registry_;
  const HttpOptions options_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // Stop writes to wake_[1]
  std::thread thread_;
};

}  // namespace dim::rpc
