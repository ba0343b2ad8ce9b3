// What the orchestrator costs on top of the work itself. In one run:
//   (a) a one-model job on "tiny" submitted and awaited through the
//       orchestrator (SubmitJob with wait);
//   (b) the same model through a direct RunTask call to the node;
//   (c) the same forward pass in this process;
//   (d) jobs per second with 32 concurrent clients through the
//       orchestrator;
//   (e) calls per second of a plain gRPC unary echo with 32 clients.
// Servers run as separate processes on loopback; every client has its own
// connection. Prints a table and the line
//   RATIO dispatch_p50=<a/b> dispatch_p99=<a/b> throughput=<d/e>
#include <signal.h>
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include <grpcpp/grpcpp.h>

#include "dim/v1/dim.grpc.pb.h"
#include "echo.grpc.pb.h"
#include "tests/bench/bench_stats.h"
#include "tests/support/process.h"

namespace {

using dim::bench::Latency;
using dim::testing::Process;

constexpr int kClients = 32;
constexpr int kSamples = 400;
constexpr auto kThroughputTime = std::chrono::seconds(4);

std::shared_ptr<grpc::Channel> Dial(const std::string& addr, int index) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("dim.bench.client", index);
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(),
                                   args);
}

dim::v1::Tensor Row() {
  float values[4] = {0.1f, -0.2f, 0.3f, 0.4f};
  dim::v1::Tensor t;
  t.set_dtype(dim::v1::DTYPE_FLOAT32);
  t.add_shape(1);
  t.add_shape(4);
  t.set_data(std::string(reinterpret_cast<char*>(values), sizeof values));
  return t;
}

dim::v1::SubmitJobRequest TinyJob() {
  dim::v1::SubmitJobRequest request;
  auto* spec = request.mutable_spec();
  spec->set_name("bench");
  spec->set_pattern(dim::v1::PATTERN_CHAINED);
  spec->set_priority(5);
  *spec->mutable_input() = Row();
  spec->mutable_chained()->add_steps()->set_model("tiny");
  request.set_wait(true);
  return request;
}

// The server under test, for its log when something fails.
Process* g_server = nullptr;

void Check(const grpc::Status& st, const char* what) {
  if (st.ok()) return;
  std::cerr << what << " failed: " << st.error_message() << "\n";
  if (g_server) {
    std::cerr << "server running: " << g_server->Running() << "\n"
              << "server log:\n" << g_server->Stderr();
  }
  std::exit(1);
}

void SubmitOnce(dim::v1::Orchestrator::Stub* stub,
                const dim::v1::SubmitJobRequest& request) {
  grpc::ClientContext ctx;
  dim::v1::SubmitJobResponse response;
  Check(stub->SubmitJob(&ctx, request, &response), "SubmitJob");
  if (response.state() != dim::v1::JOB_STATE_SUCCEEDED) {
    std::cerr << "job " << response.id() << " ended "
              << response.job().reason() << "\n";
    std::exit(1);
  }
}

void RunTaskOnce(dim::v1::Node::Stub* stub,
                 const dim::v1::RunTaskRequest& request) {
  grpc::ClientContext ctx;
  dim::v1::RunTaskResponse response;
  Check(stub->RunTask(&ctx, request, &response), "RunTask");
}

void EchoOnce(dim::bench::v1::Echo::Stub* stub,
              const dim::bench::v1::EchoMessage& message) {
  grpc::ClientContext ctx;
  dim::bench::v1::EchoMessage response;
  Check(stub->Echo(&ctx, message, &response), "Echo");
}

class EchoService final : public dim::bench::v1::Echo::Service {
  grpc::Status Echo(grpc::ServerContext*,
                    const dim::bench::v1::EchoMessage* in,
                    dim::bench::v1::EchoMessage* out) override {
    *out = *in;
    return grpc::Status::OK;
  }
};

// `dispatch_bench --echo-server`: serve Echo on a free port, print it,
// run until killed.
int ServeEcho() {
  EchoService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  std::cout << "echo serving on 127.0.0.1:" << port << std::endl;
  server->Wait();
  return 0;
}

std::string AddressFrom(Process& p, const std::string& marker) {
  if (!p.WaitForOutput(marker, std::chrono::seconds(30))) {
    std::cerr << "server did not start:\n" << p.Stderr();
    std::exit(1);
  }
  std::string out = p.Stdout();
  size_t start = out.find(marker) + marker.size();
  return out.substr(start, out.find('\n', start) - start);
}

Latency InProcessForward() {
  torch::jit::Module m =
      torch::jit::load(dim::testing::ExamplesDir() + "/models/tiny.pt");
  m.eval();
  at::set_num_threads(1);
  torch::Tensor x = torch::rand({1, 4});
  return dim::bench::Measure([&] {
    torch::NoGradGuard no_grad;
    m.forward({x}).toTensor();
  }, kSamples * 5, 100);
}

void PrintRow(const char* name, const Latency& l) {
  std::printf("%-44s %10.1f %10.1f %8zu\n", name, l.p50_us, l.p99_us,
              l.samples);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--echo-server") == 0) {
    return ServeEcho();
  }
  dim::testing::TempDir data;
  Process dimd({dim::testing::DimctlPath(), "serve", "--listen",
                "127.0.0.1:0", "--data-dir", data.path(), "--log-level",
                "warn"});
  std::string addr = AddressFrom(dimd, "serving on ");
  g_server = &dimd;
  Process echod({"/proc/self/exe", "--echo-server"});
  std::string echo_addr = AddressFrom(echod, "echo serving on ");

  auto orch = dim::v1::Orchestrator::NewStub(Dial(addr, 0));
  auto node = dim::v1::Node::NewStub(Dial(addr, 1));
  {
    grpc::ClientContext ctx;
    dim::v1::PrewarmRequest request;
    request.add_models("tiny");
    dim::v1::PrewarmResponse response;
    Check(node->Prewarm(&ctx, request, &response), "Prewarm");
  }
  const auto job = TinyJob();
  dim::v1::RunTaskRequest task;
  task.set_task_id("bench");
  task.set_model("tiny");
  *task.mutable_input() = Row();

  Latency a = dim::bench::Measure([&] { SubmitOnce(orch.get(), job); },
                                  kSamples, 50);
  Latency b = dim::bench::Measure([&] { RunTaskOnce(node.get(), task); },
                                  kSamples, 50);
  Latency c = InProcessForward();

  std::vector<std::unique_ptr<dim::v1::Orchestrator::Stub>> orch_clients;
  std::vector<std::unique_ptr<dim::bench::v1::Echo::Stub>> echo_clients;
  for (int i = 0; i < kClients; ++i) {
    orch_clients.push_back(dim::v1::Orchestrator::NewStub(Dial(addr, 10 + i)));
    echo_clients.push_back(
        dim::bench::v1::Echo::NewStub(Dial(echo_addr, 100 + i)));
  }
  double d = dim::bench::Throughput(
      [&](int t) { SubmitOnce(orch_clients[t].get(), job); }, kClients,
      kThroughputTime);
  dim::bench::v1::EchoMessage message;
  message.set_payload(job.SerializeAsString());
  double e = dim::bench::Throughput(
      [&](int t) { EchoOnce(echo_clients[t].get(), message); }, kClients,
      kThroughputTime);

  std::printf("%-44s %10s %10s %8s\n", "", "p50 us", "p99 us", "samples");
  PrintRow("(a) job through the orchestrator", a);
  PrintRow("(b) RunTask straight to the node", b);
  PrintRow("(c) forward pass in process", c);
  std::printf("%-44s %10.0f /s\n", "(d) jobs, 32 clients, orchestrator", d);
  std::printf("%-44s %10.0f /s\n", "(e) plain gRPC echo, 32 clients", e);
  std::printf("RATIO dispatch_p50=%.2f dispatch_p99=%.2f throughput=%.2f\n",
              a.p50_us / b.p50_us, a.p99_us / b.p99_us, d / e);
  dimd.Stop(SIGTERM);
  echod.Stop(SIGTERM);
  return 0;
}
