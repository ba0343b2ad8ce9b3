// Certificates from IssueCert against gRPC's own TLS stack: a real server
// on a loopback port and real channels, one-way TLS and mutual TLS.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "dim/v1/dim.grpc.pb.h"
#include "tests/unit/security/test_ca.h"

namespace dim::security {
namespace {

using testing::TestCa;

// Answers with the common name of the client's certificate, the way a
// server takes the user from mTLS.
class WhoAmIService final : public dim::v1::Node::Service {
 public:
  grpc::Status GetNodeStatus(grpc::ServerContext* context,
                             const dim::v1::GetNodeStatusRequest*,
                             dim::v1::NodeStatus* reply) override {
    auto names =
        context->auth_context()->FindPropertyValues("x509_common_name");
    reply->set_node_id(names.empty() ? "anonymous"
                                     : std::string(names[0].data(),
                                                   names[0].size()));
    return grpc::Status::OK;
  }
};

struct KeyPair {
  std::string key;
  std::string cert;
};

KeyPair PairOf(const TestCa& ca, const std::string& name) {
  return {ca.Read(name + ".key"), ca.Read(name + ".crt")};
}

class TlsServer {
 public:
  // `client_ca` empty: clients need no certificate.
  TlsServer(const KeyPair& pair, const std::string& client_ca) {
    grpc::SslServerCredentialsOptions options(
        client_ca.empty()
            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = client_ca;
    options.pem_key_cert_pairs.push_back({pair.key, pair.cert});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0",
                             grpc::SslServerCredentials(options), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~TlsServer() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(500));
  }

  bool started() const { return server_ != nullptr && port_ > 0; }
  std::string port() const { return std::to_string(port_); }

 private:
  WhoAmIService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

struct CallResult {
  grpc::Status status;
  std::string identity;  // what the server saw
};

// One call to `target` trusting `ca`, presenting `client` if given;
// `name_override` replaces the host name the server's cert must carry.
CallResult Call(const std::string& target, const std::string& ca,
                const KeyPair& client = {},
                const std::string& name_override = "") {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca;
  options.pem_private_key = client.key;
  options.pem_cert_chain = client.cert;
  grpc::ChannelArguments args;
  if (!name_override.empty()) args.SetSslTargetNameOverride(name_override);
  auto channel = grpc::CreateCustomChannel(
      target, grpc::SslCredentials(options), args);
  auto stub = dim::v1::Node::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  dim::v1::GetNodeStatusRequest request;
  dim::v1::NodeStatus reply;
  CallResult result;
  result.status = stub->GetNodeStatus(&context, request, &reply);
  result.identity = reply.node_id();
  return result;
}

class TlsTest : public ::testing::TestWithParam<KeyType> {
 protected:
  TlsTest() : ca_(GetParam()) {
    ca_.Issue("node-a", CertKind::kServer, GetParam());
    ca_.Issue("alice", CertKind::kClient, GetParam());
  }
  TestCa ca_;
};

TEST_P(TlsTest, ServerCertSecuresChannelsToLocalhostAndLoopbackIp) {
  TlsServer server(PairOf(ca_, "node-a"), "");
  ASSERT_TRUE(server.started());
  for (const char* host : {"localhost:", "127.0.0.1:"}) {
    CallResult r = Call(host + server.port(), ca_.Read("ca.crt"));
    EXPECT_TRUE(r.status.ok()) << host << " " << r.status.error_message();
    EXPECT_EQ(r.identity, "anonymous");
  }
}

TEST_P(TlsTest, ClientRefusesServerWhoseCertNamesAnotherHost) {
  TlsServer server(PairOf(ca_, "node-a"), "");
  ASSERT_TRUE(server.started());
  CallResult r = Call("127.0.0.1:" + server.port(), ca_.Read("ca.crt"), {},
                      "elsewhere.example");
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_P(TlsTest, ClientRefusesServerFromAnotherCa) {
  TestCa other(GetParam(), "other");
  TlsServer server(PairOf(ca_, "node-a"), "");
  ASSERT_TRUE(server.started());
  CallResult r = Call("localhost:" + server.port(), other.Read("ca.crt"));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_P(TlsTest, MutualTlsNamesTheUserFromTheClientCert) {
  TlsServer server(PairOf(ca_, "node-a"), ca_.Read("ca.crt"));
  ASSERT_TRUE(server.started());
  CallResult r = Call("localhost:" + server.port(), ca_.Read("ca.crt"),
                      PairOf(ca_, "alice"));
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.identity, "alice");
}

TEST_P(TlsTest, MutualTlsRefusesClientsWithoutCertOrFromAnotherCa) {
  TlsServer server(PairOf(ca_, "node-a"), ca_.Read("ca.crt"));
  ASSERT_TRUE(server.started());
  std::string target = "localhost:" + server.port();
  CallResult none = Call(target, ca_.Read("ca.crt"));
  EXPECT_FALSE(none.status.ok());

  TestCa other(GetParam(), "other");
  other.Issue("mallory", CertKind::kClient, GetParam());
  CallResult foreign =
      Call(target, ca_.Read("ca.crt"), PairOf(other, "mallory"));
  EXPECT_FALSE(foreign.status.ok());
  EXPECT_NE(foreign.identity, "mallory");
}

INSTANTIATE_TEST_SUITE_P(Keys, TlsTest,
                         ::testing::Values(KeyType::kP256,
                                           KeyType::kEd25519),
                         testing::KeyTypeParamName);

}  // namespace
}  // namespace dim::security
