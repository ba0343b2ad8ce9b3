#include "core/mesh/heartbeat_sender.h"

#include <cstdio>
#include <random>

#include <grpcpp/grpcpp.h>

#include "core/mesh/liveness.h"
#include "core/rpc/status_convert.h"
#include "core/util/log.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::mesh {
namespace {

std::string RandomInstance() {
  std::random_device device;
  uint64_t value = (uint64_t{device()} << 32) ^ device();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx",
                static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

BeatStamper::BeatStamper(std::chrono::milliseconds interval)
    : instance_(RandomInstance()), interval_(interval) {}

dim::v1::BeatHeader BeatStamper::Next() {
  dim::v1::BeatHeader header;
  header.set_instance(instance_);
  header.set_seq(++seq_);
  header.set_sent_ms(WallClockMs());
  header.set_interval_ms(interval_.count());
  return header;
}

HeartbeatSender::HeartbeatSender(std::string target,
                                 std::chrono::milliseconds interval,
                                 Send send)
    : target_(std::move(target)), interval_(interval),
      send_(std::move(send)), thread_([this] { Loop(); }) {}

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
  auto next = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    Status sent = send_();
    if (!sent.ok() && !failing) {
      DIM_LOG(Warn, "heartbeat") << "cannot reach " << target_ << ": "
                                 << sent.message() << " (will keep trying)";
    } else if (sent.ok() && failing) {
      DIM_LOG(Info, "heartbeat") << "reached " << target_ << " again";
    }
    failing = !sent.ok();

    // A send slower than the interval skips the beats it overran rather
    // than bunching them up.
    auto now = std::chrono::steady_clock::now();
    next += interval_;
    if (next < now) next = now + interval_;
    lock.lock();
    wake_.wait_until(lock, next, [this] { return stopping_; });
  }
}

std::function<Status(const dim::v1::NodeHeartbeat&)> RpcHeartbeatSink(
    const std::string& address, std::chrono::milliseconds timeout,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  auto channel = grpc::CreateChannel(address, std::move(credentials));
  std::shared_ptr<dim::v1::Orchestrator::Stub> stub =
      dim::v1::Orchestrator::NewStub(channel);
  return [stub, timeout](const dim::v1::NodeHeartbeat& beat) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    dim::v1::HeartbeatRequest request;
    *request.mutable_beat() = beat;
    dim::v1::HeartbeatResponse response;
    return rpc::FromGrpc(stub->Heartbeat(&ctx, request, &response));
  };
}

}  // namespace dim::mesh
