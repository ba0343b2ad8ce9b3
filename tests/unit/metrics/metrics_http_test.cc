#include "core/rpc/metrics_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>

#include "core/metrics/prometheus.h"

namespace dim::rpc {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

int PortOf(const std::string& address) {
  return std::stoi(address.substr(address.rfind(':') + 1));
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent,
                     MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

// Everything the server sends until it closes, or what came before
// `timeout`; *closed says which.
std::string ReadUntilClosed(int fd, milliseconds timeout,
                            bool* closed = nullptr) {
  std::string out;
  auto deadline = Clock::now() + timeout;
  if (closed) *closed = false;
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    auto left = std::chrono::duration_cast<milliseconds>(deadline -
                                                         Clock::now());
    if (poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string Exchange(int port, const std::string& request) {
  int fd = Connect(port);
  if (fd < 0) return "connect failed";
  SendAll(fd, request);
  std::string reply = ReadUntilClosed(fd, milliseconds(5000));
  close(fd);
  return reply;
}

std::string Body(const std::string& reply) {
  auto end = reply.find("\r\n\r\n");
  return end == std::string::npos ? "" : reply.substr(end + 4);
}

class MetricsHttpTest : public ::testing::Test {
 protected:
  void StartServer(HttpOptions options = {}) {
    registry_.CounterFamily({"dim.api.requests", "RPCs", "",
                             {"method", "code"}})
        .WithLabels({"dim.v1.Node/RunTask", "OK"}).Add(7);
    server_ = std::make_unique<MetricsHttpServer>(&registry_, options);
    auto bound = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(bound.ok()) << bound.status().message();
    port_ = PortOf(*bound);
    ASSERT_GT(port_, 0);
  }

  void ExpectServing() {
    std::string reply = Exchange(port_, "GET /metrics HTTP/1.1\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  }

  metrics::Registry registry_;
  std::unique_ptr<MetricsHttpServer> server_;
  int port_ = 0;
};

TEST_F(MetricsHttpTest, ServesTheRegistryInThePrometheusFormat) {
  StartServer();
  std::string reply = Exchange(
      port_, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n"
             "Accept: text/plain\r\n\r\n");
  ASSERT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\nContent-Type: text/plain; version=0.0.4"),
            std::string::npos);
  std::string body = Body(reply);
  EXPECT_EQ(body, metrics::RenderPrometheus(registry_.Collect()));
  EXPECT_NE(reply.find("\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(body.find("dim_api_requests_total{method=\"dim.v1.Node/RunTask\","
                      "code=\"OK\"} 7\n"),
            std::string::npos);
}

TEST_F(MetricsHttpTest, EachScrapeSeesCurrentValues) {
  StartServer();
  registry_.GetGauge({"dim.jobs.active", "Active"}).Set(3);
  EXPECT_NE(Body(Exchange(port_, "GET /metrics?x=1 HTTP/1.0\n\n"))
                .find("dim_jobs_active 3\n"),
            std::string::npos);
  registry_.GetGauge({"dim.jobs.active", "Active"}).Set(4);
  EXPECT_NE(Body(Exchange(port_, "GET /metrics HTTP/1.0\r\n\r\n"))
                .find("dim_jobs_active 4\n"),
            std::string::npos);
}

TEST_F(MetricsHttpTest, OtherPathsAndMethodsAreRefused) {
  StartServer();
  EXPECT_EQ(Exchange(port_, "GET / HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0),
            0u);
  EXPECT_EQ(Exchange(port_, "GET /metricsx HTTP/1.1\r\n\r\n")
                .rfind("HTTP/1.1 404", 0),
            0u);
  std::string post = Exchange(port_, "POST /metrics HTTP/1.1\r\n"
                                     "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD"), std::string::npos);
  std::string head = Exchange(port_, "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_EQ(Body(head), "");
}

TEST_F(MetricsHttpTest, GarbageIsAnsweredAndTheServerGoesOn) {
  StartServer();
  // A TLS ClientHello, say: refused at its first byte, without waiting for
  // the end of a request that will never come.
  auto start = Clock::now();
  std::string reply = Exchange(port_, std::string("\x16\x03\x01\x02\x00", 5));
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  reply = Exchange(port_, "garbage garbage garbage\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  reply = Exchange(port_, "GET\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  ExpectServing();
}

TEST_F(MetricsHttpTest, OversizedRequestIsRefused) {
  HttpOptions options;
  options.max_request_bytes = 1024;
  StartServer(options);
  std::string reply = Exchange(
      port_, "GET /metrics HTTP/1.1\r\nX: " + std::string(4000, 'a') +
                 "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply.substr(0, 80);
  ExpectServing();
}

TEST_F(MetricsHttpTest, SilentClientIsDroppedWithoutHoldingUpOthers) {
  HttpOptions options;
  options.io_timeout = milliseconds(500);
  StartServer(options);
  int silent = Connect(port_);
  ASSERT_GE(silent, 0);
  int half = Connect(port_);
  SendAll(half, "GET /metr");

  auto start = Clock::now();
  ExpectServing();
  EXPECT_LT(Clock::now() - start, milliseconds(400));

  bool closed = false;
  ReadUntilClosed(silent, milliseconds(3000), &closed);
  EXPECT_TRUE(closed);
  EXPECT_GE(Clock::now() - start, milliseconds(400));
  ReadUntilClosed(half, milliseconds(3000), &closed);
  EXPECT_TRUE(closed);
  close(silent);
  close(half);
  ExpectServing();
}

TEST_F(MetricsHttpTest, ClientThatLeavesMidAnswerDoesNotHurtTheServer) {
  StartServer();
  // An answer of a few megabytes, larger than the socket buffers.
  auto& family = registry_.HistogramFamily(
      {"dim.big", "Big", "seconds", {"i"}, 10000});
  for (int i = 0; i < 400; ++i) {
    family.WithLabels({std::to_string(i)}).Observe(i);
  }
  for (int round = 0; round < 3; ++round) {
    int fd = Connect(port_);
    SendAll(fd, "GET /metrics HTTP/1.1\r\n\r\n");
    char some[100];
    recv(fd, some, sizeof some, 0);
    close(fd);  // the rest of the answer meets a closed socket
  }
  ExpectServing();
}

TEST_F(MetricsHttpTest, ManyClientsAtOnce) {
  HttpOptions options;
  options.max_connections = 4;
  StartServer(options);
  std::vector<int> fds;
  for (int i = 0; i < 12; ++i) fds.push_back(Connect(port_));
  for (int fd : fds) SendAll(fd, "GET /metrics HTTP/1.1\r\n\r\n");
  for (int fd : fds) {
    EXPECT_EQ(ReadUntilClosed(fd, milliseconds(5000)).rfind("HTTP/1.1 200", 0),
              0u);
    close(fd);
  }
}

TEST(MetricsHttpStartTest, ReportsBadAndBusyAddresses) {
  metrics::Registry registry;
  MetricsHttpServer a(&registry);
  auto bad = a.Start("no-port-here");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("no-port-here"), std::string::npos);

  auto bound = a.Start("127.0.0.1:0");
  ASSERT_TRUE(bound.ok()) << bound.status().message();
  EXPECT_EQ(bound->rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(a.Start("127.0.0.1:0").status().code(),
            Code::kFailedPrecondition);

  MetricsHttpServer b(&registry);
  auto busy = b.Start(*bound);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.status().code(), Code::kUnavailable);
  EXPECT_NE(busy.status().message().find(*bound), std::string::npos);
}

TEST(MetricsHttpStartTest, StopClosesThePortAndMayBeRepeated) {
  metrics::Registry registry;
  MetricsHttpServer server(&registry);
  auto bound = server.Start("127.0.0.1:0");
  ASSERT_TRUE(bound.ok()) << bound.status().message();
  int port = PortOf(*bound);
  int probe = Connect(port);
  ASSERT_GE(probe, 0);
  close(probe);
  server.Stop();
  server.Stop();
  EXPECT_EQ(Connect(port), -1);
  // And it can listen again.
  ASSERT_TRUE(server.Start("127.0.0.1:" + std::to_string(port)).ok());
}

}  // namespace
}  // namespace dim::rpc
