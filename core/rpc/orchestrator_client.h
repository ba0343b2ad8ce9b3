// What the CLI asks of an orchestrator, over one gRPC channel. Every call
// fails fast when the orchestrator cannot be reached: kUnavailable with a
// message that names the address. Not thread-safe for concurrent Watch
// calls on one instance; create one client per thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/security/credentials.h>

#include "core/util/status.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::rpc {

struct ClientOptions {
  // Bound on each unary call (not on Watch or a waiting submit).
  std::chrono::milliseconds call_timeout{std::chrono::seconds(30)};
  int max_message_bytes = 64 << 20;
  // Null: plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // Whether `credentials` present a client certificate: a server that
  // requires one closes the connection without saying why.
  bool client_certificate = false;
  // Sent as "authorization: Bearer <token>" when not empty.
  std::string token;
};

// A channel to `address` (HOST:PORT) with the options' credentials and
// message size; what every client of a dimctl server dials with.
std::shared_ptr<grpc::Channel> ClientChannel(const std::string& address,
                                             const ClientOptions& options);
// Sends the options' bearer token, if any, with the call.
void AddToken(grpc::ClientContext* ctx, const ClientOptions& options);

class OrchestratorClient {
 public:
  OrchestratorClient(const std::string& address, ClientOptions options);

  const std::string& address() const { return address_; }

  // A submit over the user's rate limit is kResourceExhausted, and
  // retry_after() then says how long to wait.
  Result<dim::v1::SubmitJobResponse> Submit(const dim::v1::JobSpec& spec,
                                            bool dry_run, bool wait);
  // The wait the server asked for with its last refusal of Submit; zero
  // when the last Submit was not rate-limited.
  std::chrono::milliseconds retry_after() const { return retry_after_; }
  Result<dim::v1::Job> Get(const std::string& id);
  Result<dim::v1::Job> Cancel(const std::string& id);
  Result<std::vector<dim::v1::Job>> List(int limit);
  Result<std::vector<dim::v1::NodeEntry>> ListNodes();
  // The caller's submission allowance.
  Result<dim::v1::Quota> Quota();

  // Follows the job until it finishes, calling on_change with each new
  // state; returns the finished job. `timeout` of zero waits forever.
  Result<dim::v1::Job> Watch(
      const std::string& id, std::chrono::milliseconds timeout,
      const std::function<void(const dim::v1::Job&)>& on_change);

 private:
  enum class Deadline { kBounded, kNone };
  Status Check(const grpc::Status& status) const;
  // Credentials, and call_timeout unless kNone.
  void Prepare(grpc::ClientContext* ctx, Deadline deadline) const;

  const std::string address_;
  const ClientOptions options_;
  std::unique_ptr<dim::v1::Orchestrator::Stub> stub_;
  std::chrono::milliseconds retry_after_{0};
};

}  // namespace dim::rpc
