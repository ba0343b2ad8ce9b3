// The hardened server as users and operators meet it: the real dimctl
// serving with TLS, mutual TLS, tokens and rate limits from dim.toml, and
// the real CLI refused with words it can act on. Every rejection is
// followed by a request that succeeds, to show the server kept serving.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "core/security/certs.h"
#include "dim/v1/dim.grpc.pb.h"
#include "tests/support/json.h"
#include "tests/support/mesh_cluster.h"
#include "tests/support/process.h"
#include "tests/support/server_fixture.h"

namespace dim::testing {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

// `dimctl serve -c CONFIG` on `listen`.
class SecureServer {
 public:
  SecureServer(const std::string& config, const std::string& listen,
               std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"-c", config});
    server_ = std::make_unique<DimServer>(extra, Env{}, "", listen);
  }

  bool ok() const { return server_->ok(); }
  const std::string& addr() const { return server_->addr(); }
  std::string port() const { return addr().substr(addr().rfind(':') + 1); }
  std::string Log() const { return server_->process().Stderr(); }
  bool Running() { return server_->process().Running(); }

  // Waits until the server's log holds `text`.
  bool WaitForLog(const std::string& text) {
    for (int i = 0; i < 100; ++i) {
      if (Contains(Log(), text)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  std::unique_ptr<DimServer> server_;
};

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Certs({"init", "--dir", ca_}).exit_code, 0);
    ASSERT_EQ(Certs({"issue", "server", "--server", "--dir", ca_}).exit_code,
              0);
    for (const char* user : {"alice", "bob"}) {
      ASSERT_EQ(Certs({"issue", user, "--client", "--dir", ca_}).exit_code,
                0);
    }
    ASSERT_EQ(Certs({"init", "--dir", other_}).exit_code, 0);
    ASSERT_EQ(
        Certs({"issue", "impostor", "--server", "--dir", other_}).exit_code,
        0);
  }

  RunResult Certs(std::vector<std::string> args) {
    args.insert(args.begin(), "certs");
    return Dimctl(args);
  }

  std::string Ca(const std::string& file) const { return ca_ + "/" + file; }
  std::string Other(const std::string& file) const {
    return other_ + "/" + file;
  }

  // A dim.toml of its own holding `text`.
  std::string Config(const std::string& text) const {
    std::string path = tmp_.path() + "/dim-" +
                       std::to_string(configs_++) + ".toml";
    WriteFile(path, text);
    return path;
  }

  // [security] with this CA's server certificate, and `extra` lines.
  std::string TlsConfig(const std::string& extra = "") const {
    return Config("[security]\nca = \"" + Ca("ca.crt") + "\"\ncert = \"" +
                  Ca("server.crt") + "\"\nkey = \"" + Ca("server.key") +
                  "\"\n" + extra);
  }

  // <name>.crt and .key from this CA, valid for one day three days ago.
  void IssueExpired(const std::string& name, security::CertKind kind) {
    security::IssueOptions o;
    o.dir = ca_;
    o.name = name;
    o.kind = kind;
    o.days = 1;
    o.not_before_ms = NowMs() - 3 * 86400000ll;
    ASSERT_TRUE(security::IssueCert(o).ok());
  }

  std::string Job() const {
    return SourceExamplesDir() + "/jobs/comparative.toml";
  }

  // Env trusting the CA, with a client certificate when `user` is set.
  Env Trusting(const std::string& user = "") const {
    Env env{{"DIM_CACERT", Ca("ca.crt")}};
    if (!user.empty()) {
      env["DIM_CERT"] = Ca(user + ".crt");
      env["DIM_KEY"] = Ca(user + ".key");
    }
    return env;
  }

  static RunResult As(const SecureServer& s, const Env& env,
                      std::vector<std::string> args) {
    args.insert(args.begin(), {"--addr", s.addr()});
    return Dimctl(args, env);
  }

  TempDir tmp_;
  std::string ca_ = tmp_.path() + "/ca";
  std::string other_ = tmp_.path() + "/other-ca";
  mutable int configs_ = 0;
};

// --- TLS ---------------------------------------------------------------

TEST_F(SecurityTest, TlsServerAnswersClientsThatTrustItsCa) {
  SecureServer server(TlsConfig(), "127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  RunResult r = As(server, Trusting(), {"-o", "json", "node", "ls"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseJson(r.out).size(), 1u) << r.out;

  RunResult job = As(server, Trusting(), {"submit", Job(), "--wait"});
  EXPECT_EQ(job.exit_code, 0) << job.err;
  EXPECT_TRUE(Contains(job.out, "SUCCEEDED")) << job.out;
}

TEST_F(SecurityTest, PlaintextClientIsToldTheServerSpeaksTls) {
  SecureServer server(TlsConfig(), "127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  RunResult r = As(server, {}, {"node", "ls"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "dimctl: error: cannot reach orchestrator at " +
                                  server.addr()))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "set DIM_CACERT")) << r.err;
  EXPECT_TRUE(server.WaitForLog("a client spoke plaintext to this TLS "
                                "server"))
      << server.Log();
  EXPECT_EQ(As(server, Trusting(), {"node", "ls"}).exit_code, 0);
}

TEST_F(SecurityTest, ClientTrustingAnotherCaRefusesTheServer) {
  SecureServer server(TlsConfig(), "127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  RunResult r = As(server, {{"DIM_CACERT", Other("ca.crt")}}, {"node", "ls"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "TLS: the server's certificate is not signed "
                              "by the CA this client trusts"))
      << r.err;
  // With TLS 1.3 the server's side of the handshake is over before the
  // client judges its certificate: all it sees is a closed connection.
  EXPECT_EQ(As(server, Trusting(), {"node", "ls"}).exit_code, 0);
}

// The server's certificate names localhost and 127.0.0.1; dialled at
// another loopback address, it names the wrong host.
TEST_F(SecurityTest, ClientRefusesACertificateForAnotherName) {
  SecureServer server(TlsConfig(), "127.0.0.2:0");
  ASSERT_TRUE(server.ok());
  RunResult r = As(server, Trusting(), {"node", "ls"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "does not name the address dialled")) << r.err;
  RunResult by_name = Dimctl({"--addr", "127.0.0.1:" + server.port(),
                              "node", "ls"},
                             Trusting());
  // Bound to 127.0.0.2 only: nothing answers at 127.0.0.1.
  EXPECT_EQ(by_name.exit_code, 3);
  EXPECT_TRUE(server.Running());
}

TEST_F(SecurityTest, ServerRefusesToStartWithAnExpiredCertificate) {
  ASSERT_NO_FATAL_FAILURE(IssueExpired("stale", security::CertKind::kServer));
  std::string config = Config("[security]\ncert = \"" + Ca("stale.crt") +
                              "\"\nkey = \"" + Ca("stale.key") + "\"\n");
  RunResult r = Dimctl({"serve", "-c", config, "--listen", "127.0.0.1:0",
                        "--data-dir", tmp_.path() + "/data"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(Contains(r.err, "security.cert: " + Ca("stale.crt") +
                                  ": expired at "))
      << r.err;
}

TEST_F(SecurityTest, ServerRefusesACertificateItsCaDidNotSign) {
  std::string config = Config(
      "[security]\nca = \"" + Ca("ca.crt") + "\"\ncert = \"" +
      Other("impostor.crt") + "\"\nkey = \"" + Other("impostor.key") + "\"\n");
  RunResult r = Dimctl({"serve", "-c", config, "--listen", "127.0.0.1:0",
                        "--data-dir", tmp_.path() + "/data"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(Contains(r.err, "security.cert: " + Other("impostor.crt")))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "security.ca: " + Ca("ca.crt"))) << r.err;
}

TEST_F(SecurityTest, CliRefusesAnExpiredClientCertificate) {
  ASSERT_NO_FATAL_FAILURE(IssueExpired("carol", security::CertKind::kClient));
  SecureServer server(TlsConfig(), "127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  RunResult r = As(server, Trusting("carol"), {"node", "ls"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "DIM_CERT: " + Ca("carol.crt") +
                                  ": expired at "))
      << r.err;
}

// A client that does not check its own certificate, as dimctl does,
// meets the server's judgement instead: the handshake fails and the
// server's log says so (not which check failed: gRPC keeps OpenSSL's
// reason to itself).
TEST_F(SecurityTest, ServerNamesAnExpiredClientCertificate) {
  ASSERT_NO_FATAL_FAILURE(IssueExpired("dave", security::CertKind::kClient));
  SecureServer server(
      TlsConfig("client_ca = \"" + Ca("ca.crt") + "\"\n"), "127.0.0.1:0");
  ASSERT_TRUE(server.ok());

  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(Ca("ca.crt"));
  tls.pem_cert_chain = ReadFile(Ca("dave.crt"));
  tls.pem_private_key = ReadFile(Ca("dave.key"));
  auto stub = dim::v1::Orchestrator::NewStub(
      grpc::CreateChannel(server.addr(), grpc::SslCredentials(tls)));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::seconds(5));
  dim::v1::ListNodesResponse nodes;
  grpc::Status st = stub->ListNodes(&ctx, {}, &nodes);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE)
      << st.error_message();
  EXPECT_TRUE(server.WaitForLog("a client's certificate was refused"))
      << server.Log();
  EXPECT_EQ(As(server, Trusting("alice"), {"node", "ls"}).exit_code, 0);
}

// --- Mutual TLS and who owns a job --------------------------------------

TEST_F(SecurityTest, MutualTlsRefusesClientsWithoutACertificate) {
  SecureServer server(
      TlsConfig("client_ca = \"" + Ca("ca.crt") + "\"\n"), "127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  RunResult r = As(server, Trusting(), {"node", "ls"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "set DIM_CERT and DIM_KEY")) << r.err;
  EXPECT_TRUE(server.WaitForLog("a client presented no certificate"))
      << server.Log();

  // A certificate from another CA never leaves the client.
  Env impostor{{"DIM_CACERT", Ca("ca.crt")},
               {"DIM_CERT", Other("impostor.crt")},
               {"DIM_KEY", Other("impostor.key")}};
  RunResult foreign = As(server, impostor, {"node", "ls"});
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_TRUE(Contains(foreign.err, "DIM_CERT: " + Other("impostor.crt")))
      << foreign.err;
  EXPECT_TRUE(Contains(foreign.err, "(DIM_CACERT: " + Ca("ca.crt") + ")"))
      << foreign.err;
  EXPECT_EQ(As(server, Trusting("alice"), {"node", "ls"}).exit_code, 0);
}

TEST_F(SecurityTest, MutualTlsUsersSeeAndCancelOnlyTheirOwnJobs) {
  SecureServer server(
      TlsConfig("client_ca = \"" + Ca("ca.crt") + "\"\n"), "127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  RunResult submitted =
      As(server, Trusting("alice"), {"-o", "json", "submit", Job()});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  std::string id = ParseJson(submitted.out)["id"].string;

  RunResult mine = As(server, Trusting("alice"), {"-o", "json", "job", "ls"});
  ASSERT_EQ(mine.exit_code, 0) << mine.err;
  EXPECT_EQ(ParseJson(mine.out).size(), 1u);
  RunResult theirs = As(server, Trusting("bob"), {"-o", "json", "job", "ls"});
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  EXPECT_EQ(ParseJson(theirs.out).size(), 0u) << theirs.out;

  RunResult peek = As(server, Trusting("bob"), {"job", "show", id});
  EXPECT_EQ(peek.exit_code, 4);
  EXPECT_TRUE(Contains(peek.err, "job " + id + " belongs to another user"))
      << peek.err;
  RunResult cancel = As(server, Trusting("bob"), {"job", "cancel", id});
  EXPECT_EQ(cancel.exit_code, 4);
  EXPECT_TRUE(Contains(cancel.err, "belongs to another user")) << cancel.err;
  RunResult own = As(server, Trusting("alice"), {"job", "show", id});
  EXPECT_EQ(own.exit_code, 0) << own.err;
}

// --- Tokens -------------------------------------------------------------

class TokenTest : public SecurityTest {
 protected:
  void SetUp() override {
    SecurityTest::SetUp();
    ASSERT_EQ(Dimctl({"token", "key", key_}).exit_code, 0);
    config_ = Config("[security]\ntoken_key = \"" + key_ + "\"\n");
  }

  std::string Token(const std::string& user, const std::string& role = "user",
                    const std::string& ttl = "1h") {
    RunResult r = Dimctl({"token", "issue", "--user", user, "--role", role,
                          "--ttl", ttl, "--key", key_});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  std::string key_ = tmp_.path() + "/token.key";
  std::string config_;
};

TEST_F(TokenTest, CallsWithoutAValidTokenAreRefused) {
  SecureServer server(config_, "127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  RunResult none = As(server, {}, {"job", "ls"});
  EXPECT_EQ(none.exit_code, 4);
  EXPECT_TRUE(Contains(none.err, "no credentials: set DIM_TOKEN")) << none.err;

  std::string token = Token("alice");
  std::string forged = token.substr(0, token.size() - 4) + "AAAA";
  RunResult bad = As(server, {{"DIM_TOKEN", forged}}, {"job", "ls"});
  EXPECT_EQ(bad.exit_code, 4);
  EXPECT_TRUE(Contains(bad.err, "token signature does not match")) << bad.err;

  RunResult garbage = As(server, {{"DIM_TOKEN", "hello"}}, {"job", "ls"});
  EXPECT_EQ(garbage.exit_code, 4);
  EXPECT_TRUE(Contains(garbage.err, "malformed token")) << garbage.err;

  std::string brief = Token("alice", "user", "1s");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  RunResult expired = As(server, {{"DIM_TOKEN", brief}}, {"job", "ls"});
  EXPECT_EQ(expired.exit_code, 4);
  EXPECT_TRUE(Contains(expired.err, "token for alice expired at"))
      << expired.err;

  EXPECT_EQ(As(server, {{"DIM_TOKEN", token}}, {"job", "ls"}).exit_code, 0);
}

TEST_F(TokenTest, AdminSeesEveryJobAndUsersOnlyTheirOwn) {
  SecureServer server(config_, "127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  Env alice{{"DIM_TOKEN", Token("alice")}};
  Env bob{{"DIM_TOKEN", Token("bob")}};
  Env admin{{"DIM_TOKEN", Token("root", "admin")}};
  RunResult a = As(server, alice, {"-o", "json", "submit", Job()});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  RunResult b = As(server, bob, {"-o", "json", "submit", Job()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  std::string alices = ParseJson(a.out)["id"].string;

  RunResult all = As(server, admin, {"-o", "json", "job", "ls"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(ParseJson(all.out).size(), 2u);
  RunResult own = As(server, bob, {"-o", "json", "job", "ls"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  ASSERT_EQ(ParseJson(own.out).size(), 1u);
  EXPECT_EQ(ParseJson(own.out)[0]["user"].string, "bob") << own.out;

  EXPECT_EQ(As(server, bob, {"job", "cancel", alices}).exit_code, 4);
  RunResult shown = As(server, admin, {"-o", "json", "job", "show", alices});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(ParseJson(shown.out)["user"].string, "alice");
}

TEST_F(TokenTest, TokenKeyIsNotReplacedWithoutForce) {
  RunResult again = Dimctl({"token", "key", key_});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_TRUE(Contains(again.err, key_)) << again.err;
  EXPECT_TRUE(Contains(again.err, "--force")) << again.err;
}

// --- Rate limits --------------------------------------------------------

TEST_F(TokenTest, SubmissionsOverTheRateAreRefusedWithTheWait) {
  std::string config = Config("[security]\ntoken_key = \"" + key_ +
                              "\"\n[rate_limit]\nper_minute = 2\nburst = 1\n"
                              "users = [\"bob=600/5\"]\n");
  SecureServer server(config, "127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  Env alice{{"DIM_TOKEN", Token("alice")}};
  ASSERT_EQ(As(server, alice, {"submit", Job()}).exit_code, 0);
  RunResult limited = As(server, alice, {"submit", Job()});
  EXPECT_EQ(limited.exit_code, 5);
  EXPECT_TRUE(Contains(limited.err, "rate limit: user alice may submit 2 "
                                    "jobs a minute (burst 1); retry in "))
      << limited.err;

  RunResult quota = As(server, alice, {"-o", "json", "quota"});
  ASSERT_EQ(quota.exit_code, 0) << quota.err;
  Json q = ParseJson(quota.out);
  EXPECT_EQ(q["user"].string, "alice");
  EXPECT_LT(q["tokens"].number, 1.0);
  EXPECT_GT(q["retry_after_ms"].number, 0);
  EXPECT_LE(q["retry_after_ms"].number, 30000);

  // Bob's own allowance is untouched by Alice's, and larger.
  Env bob{{"DIM_TOKEN", Token("bob")}};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(As(server, bob, {"submit", Job()}).exit_code, 0) << i;
  }
  EXPECT_EQ(As(server, alice, {"job", "ls"}).exit_code, 0);
}

// --- Signed heartbeats --------------------------------------------------

// The number in `prom` (the text format) of the sample that starts with
// `series`, or -1.
double Sample(const std::string& prom, const std::string& series) {
  size_t at = prom.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(prom.substr(at + series.size() + 2));
}

double DroppedBeats(const std::string& addr, const std::string& reason) {
  RunResult m = Dimctl({"--addr", addr, "metrics", "-o", "prom"});
  EXPECT_EQ(m.exit_code, 0) << m.err;
  return Sample(m.out, "dim_mesh_heartbeats_dropped_total{reason=\"" +
                           reason + "\"}");
}

// A plaintext orchestrator with a CA accepts only signed node heartbeats:
// a node joining without [security] is refused, and hears why.
TEST_F(SecurityTest, OrchestratorRefusesUnsignedHeartbeatsOverJoin) {
  SecureServer orch(Config("[security]\nca = \"" + Ca("ca.crt") + "\"\n"),
                    "127.0.0.1:0", {"--role", "orchestrator"});
  ASSERT_TRUE(orch.ok());
  SecureServer node(Config(""), "127.0.0.1:0",
                    {"--role", "node", "--join", orch.addr(), "--node-id",
                     "plain"});
  ASSERT_TRUE(node.ok());
  EXPECT_TRUE(node.WaitForLog("heartbeat of node plain is not signed"))
      << node.Log();
  EXPECT_TRUE(orch.WaitForLog("refused a heartbeat claiming node 'plain'"))
      << orch.Log();
  EXPECT_GE(DroppedBeats(orch.addr(), "unsigned"), 1) << orch.Log();
  RunResult r = Dimctl({"--addr", orch.addr(), "-o", "json", "node", "ls"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseJson(r.out).size(), 0u) << r.out;
}

// Over IPFS anyone can publish on the topic: the orchestrator keeps the
// node whose certificate its CA signed and drops the others, counted.
TEST_F(SecurityTest, OrchestratorDropsPubsubHeartbeatsItCannotTrust) {
  if (!KuboAvailable()) GTEST_SKIP() << "no ipfs command (Kubo)";
  MeshCluster mesh(2, {{"DIM_NODE_HEARTBEAT_INTERVAL", "500ms"}});
  ASSERT_TRUE(mesh.ok()) << mesh.error();
  auto Security = [](const std::string& ca, const std::string& cert,
                     const std::string& key) {
    return Env{{"DIM_SECURITY_CA", ca},
               {"DIM_SECURITY_CERT", cert},
               {"DIM_SECURITY_KEY", key}};
  };
  auto servers = StartTogether({
      [&] {
        return mesh.Orchestrator("o1", 0, {{"DIM_SECURITY_CA", Ca("ca.crt")}});
      },
      [&] {
        return mesh.Node("server", 1,
                         Security(Ca("ca.crt"), Ca("server.crt"),
                                  Ca("server.key")));
      },
      [&] {
        return mesh.Node("impostor", 1,
                         Security(Other("ca.crt"), Other("impostor.crt"),
                                  Other("impostor.key")));
      },
      [&] { return mesh.Node("plain", 1); },
  });
  for (const auto& s : servers) ASSERT_TRUE(s && s->ok());
  const std::string orch = servers[0]->addr();

  for (int i = 0; i < 100 && NodeStateAt(orch, "server") != "ALIVE"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(NodeStateAt(orch, "server"), "ALIVE");
  for (int i = 0; i < 100 && (DroppedBeats(orch, "untrusted") < 2 ||
                              DroppedBeats(orch, "unsigned") < 2);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(DroppedBeats(orch, "untrusted"), 2);
  EXPECT_GE(DroppedBeats(orch, "unsigned"), 2);
  EXPECT_EQ(NodeStateAt(orch, "impostor"), "");
  EXPECT_EQ(NodeStateAt(orch, "plain"), "");
  std::string log = servers[0]->process().Stderr();
  EXPECT_TRUE(Contains(log, "heartbeat of node plain is not signed")) << log;
  EXPECT_TRUE(Contains(log, "heartbeat of node impostor")) << log;

  // The trusted node serves: the orchestrator dials it over TLS.
  RunResult job = Dimctl({"--addr", orch, "submit", Job(), "--wait"});
  EXPECT_EQ(job.exit_code, 0) << job.err;
}

}  // namespace
}  // namespace dim::testing
