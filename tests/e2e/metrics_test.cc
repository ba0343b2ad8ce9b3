// What a running `dimctl serve` counts, read the two ways operators read
// it: Prometheus scraping GET /metrics, and `dimctl metrics`.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/json.h"
#include "tests/support/server_fixture.h"

namespace dim::testing {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// GET `path` from HOST:PORT over HTTP/1.1; the whole answer, head and
// body, or "" when the server cannot be reached.
std::string HttpGet(const std::string& address, const std::string& path) {
  size_t colon = address.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(
      std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return "";
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + address +
                        "\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) < 0) {
    close(fd);
    return "";
  }
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) answer.append(buf, n);
  close(fd);
  return answer;
}

std::string Body(const std::string& answer) {
  size_t end = answer.find("\r\n\r\n");
  return end == std::string::npos ? "" : answer.substr(end + 4);
}

// The value of the first sample line starting with `series`, or -1.
double Sample(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok());
    std::string banner = server_.process().Stdout();
    const std::string marker = "metrics http://";
    size_t at = banner.find(marker);
    ASSERT_NE(at, std::string::npos) << banner;
    at += marker.size();
    http_ = banner.substr(at, banner.find("/metrics", at) - at);
  }

  std::string Job() const {
    return SourceExamplesDir() + "/jobs/comparative.toml";
  }

  DimServer server_{{"--metrics-listen", "127.0.0.1:0"}};
  std::string http_;
};

TEST_F(MetricsTest, PrometheusEndpointCountsJobsAndEveryRpc) {
  ASSERT_EQ(server_.Cli({"submit", Job(), "--wait"}).exit_code, 0);
  ASSERT_EQ(server_.Cli({"job", "show", "no-such-job"}).exit_code, 4);

  std::string answer = HttpGet(http_, "/metrics");
  ASSERT_TRUE(Contains(answer, "HTTP/1.1 200 OK\r\n")) << answer;
  EXPECT_TRUE(Contains(answer, "text/plain; version=0.0.4")) << answer;
  std::string body = Body(answer);
  EXPECT_EQ(Sample(body, "dim_jobs_submitted_total{pattern=\"comparative\"}"),
            1)
      << body;
  EXPECT_EQ(Sample(body, "dim_jobs_completed_total{status=\"succeeded\"}"),
            1);
  EXPECT_EQ(Sample(body, "dim_jobs_duration_seconds_count"), 1);
  EXPECT_EQ(Sample(body, "dim_jobs_active"), 0);
  EXPECT_EQ(Sample(body, "dim_nodes{state=\"ALIVE\"}"), 1);
  EXPECT_EQ(Sample(body, "dim_nodes{state=\"DEAD\"}"), 0);
  // Three models, each a task on the one node.
  RunResult nodes = server_.Cli({"-o", "json", "node", "ls"});
  ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
  std::string node = ParseJson(nodes.out)[0]["id"].string;
  EXPECT_EQ(Sample(body, "dim_nodes_selected_total{node=\"" + node + "\"}"),
            3)
      << body;
  EXPECT_EQ(Sample(body, "dim_api_requests_total{method=\"dim.v1."
                         "Orchestrator/SubmitJob\",code=\"OK\"}"),
            1)
      << body;
  EXPECT_EQ(Sample(body, "dim_api_requests_total{method=\"dim.v1."
                         "Orchestrator/GetJob\",code=\"NOT_FOUND\"}"),
            1)
      << body;
  // The orchestrator's calls to its own node are counted by the node.
  EXPECT_GE(Sample(body, "dim_api_requests_total{method=\"dim.v1.Node/"
                         "RunTask\",code=\"OK\"}"),
            3)
      << body;
  EXPECT_TRUE(Contains(body, "dim_api_duration_seconds_bucket{method=\""
                             "dim.v1.Orchestrator/SubmitJob\",le=\"+Inf\"}"))
      << body;

  EXPECT_TRUE(Contains(HttpGet(http_, "/nothing"), "HTTP/1.1 404"));
  // Still serving after a wrong path.
  EXPECT_TRUE(Contains(HttpGet(http_, "/metrics"), "200 OK"));
}

TEST_F(MetricsTest, PromtoolAcceptsTheEndpoint) {
  RunResult which =
      dim::testing::Run({"/bin/sh", "-c", "command -v promtool"});
  if (which.exit_code != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  ASSERT_EQ(server_.Cli({"submit", Job(), "--wait"}).exit_code, 0);
  TempDir dir;
  std::string file = dir.path() + "/metrics.txt";
  WriteFile(file, Body(HttpGet(http_, "/metrics")));
  RunResult check = dim::testing::Run(
      {"/bin/sh", "-c", "promtool check metrics < " + file});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(check.out + check.err, "") << ReadFile(file);
}

TEST_F(MetricsTest, CliReadsTheSameFiguresOverGrpc) {
  ASSERT_EQ(server_.Cli({"submit", Job(), "--wait"}).exit_code, 0);

  RunResult json = server_.Cli({"metrics", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  Json doc = ParseJson(json.out);
  bool found = false;
  for (const auto& family : doc["families"].array) {
    if (family["name"].string != "dim.jobs.duration") continue;
    found = true;
    EXPECT_EQ(family["prometheus_name"].string, "dim_jobs_duration_seconds");
    EXPECT_EQ(family["kind"].string, "histogram");
    ASSERT_EQ(family["samples"].size(), 1u);
    const Json& sample = family["samples"][0];
    EXPECT_EQ(sample["count"].number, 1);
    EXPECT_GT(sample["p50"].number, 0);
    EXPECT_LE(sample["p50"].number, sample["p99"].number);
  }
  EXPECT_TRUE(found) << json.out;

  RunResult table = server_.Cli({"metrics"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(Contains(table.out, "NAME")) << table.out;
  EXPECT_TRUE(Contains(table.out, "dim.jobs.submitted")) << table.out;

  RunResult prom = server_.Cli({"metrics", "-o", "prom"});
  ASSERT_EQ(prom.exit_code, 0) << prom.err;
  EXPECT_EQ(Sample(prom.out,
                   "dim_jobs_submitted_total{pattern=\"comparative\"}"),
            1)
      << prom.out;
}

TEST(MetricsListenTest, BadAddressIsRefusedAtStart) {
  TempDir data;
  RunResult r = Dimctl({"serve", "--listen", "127.0.0.1:0", "--data-dir",
                        data.path(), "--metrics-listen", "nowhere"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "--metrics-listen: expected HOST:PORT")) << r.err;
}

TEST(MetricsListenTest, UnreachableServerIsNamed) {
  RunResult r = Dimctl({"--addr", "127.0.0.1:1", "metrics"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "cannot reach server at 127.0.0.1:1")) << r.err;
}

}  // namespace
}  // namespace dim::testing
