// What an orchestrator does for jobs that are, or should be, another
// orchestrator's: hands a new job to a less-loaded peer, and finds the
// owner of a job it does not hold so that show, wait and cancel reach it
// from any orchestrator. Peers are those of the PeerTable (heard on
// dim.orchestrators.heartbeat). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/mesh/peers.h"
#include "core/rpc/channel_pool.h"
#include "core/util/status.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::orchestrator {

class PeerRouter {
 public:
  // Borrows both; they must outlive the router.
  PeerRouter(mesh::PeerTable* peers, rpc::ChannelPool* pool, int margin,
             std::chrono::milliseconds call_timeout);

  // The peer a new job should go to, given this orchestrator's status.
  std::optional<dim::v1::OrchestratorStatus> ForwardTarget(
      const dim::v1::OrchestratorStatus& own) const;

  // Submits the job to `peer`, marked as forwarded, with the client's
  // `authorization` metadata (when not empty); `done` gets the peer's
  // answer, on a gRPC thread.
  using Done = std::function<void(Result<dim::v1::SubmitJobResponse>)>;
  void Forward(const dim::v1::OrchestratorStatus& peer,
               const dim::v1::SubmitJobRequest& request,
               const std::string& authorization, Done done);

  // The address of the live peer that holds job `id`, asking each in turn
  // (peers answer from their own jobs only). When none has it, kNotFound
  // whose message is " (nor on the live peers a, b)", or empty when there
  // were none to ask.
  Result<std::string> FindOwner(const std::string& id);

  std::shared_ptr<grpc::Channel> ChannelTo(const std::string& address);

 private:
  mesh::PeerTable* const peers_;
  rpc::ChannelPool* const pool_;
  const int margin_;
  const std::chrono::milliseconds call_timeout_;
  std::mutex mutex_;
  // Guarded by mutex_: job id -> owner address, learned by forwarding or
  // finding.
  std::map<std::string, std::string> owners_;
};

}  // namespace dim::orchestrator
