#include "core/mesh/heartbeat_sender.h"

#include <grpcpp/grpcpp.h>

#include "core/rpc/status_convert.h"
#include "core/util/log.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::mesh {

HeartbeatSender::HeartbeatSender(std::string target,
                                 std::chrono::milliseconds interval,
                                 StatusSource source, Sink sink)
    : target_(std::move(target)), interval_(interval),
      source_(std::move(source)), sink_(std::move(sink)),
      thread_([this] { Loop(); }) {}

HeartbeatSender::~HeartbeatSender() { Stop(); }

void HeartbeatSender::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HeartbeatSender::Loop() {
  bool failing = false;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    Status sent = sink_(source_());
    if (!sent.ok() && !failing) {
      DIM_LOG(Warn, "heartbeat") << "cannot reach " << target_ << ": "
                                 << sent.message() << " (will keep trying)";
    } else if (sent.ok() && failing) {
      DIM_LOG(Info, "heartbeat") << "reached " << target_ << " again";
    }
    failing = !sent.ok();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

HeartbeatSender::Sink RpcHeartbeatSink(const std::string& address,
                                       std::chrono::milliseconds timeout) {
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  std::shared_ptr<dim::v1::Orchestrator::Stub> stub =
      dim::v1::Orchestrator::NewStub(channel);
  return [stub, timeout](const dim::v1::NodeStatus& status) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    dim::v1::HeartbeatRequest request;
    *request.mutable_status() = status;
    dim::v1::HeartbeatResponse response;
    return rpc::FromGrpc(stub->Heartbeat(&ctx, request, &response));
  };
}

}  // namespace dim::mesh
