// Every dimctl server answers gRPC's standard health and reflection
// services, whatever its role.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "health.grpc.pb.h"
#include "reflection.grpc.pb.h"
#include "tests/support/server_fixture.h"

namespace dim::testing {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
namespace reflection = grpc::reflection::v1alpha;

std::shared_ptr<grpc::Channel> Dial(const std::string& addr) {
  return grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
}

HealthCheckResponse::ServingStatus Health(const std::string& addr) {
  auto stub = grpc::health::v1::Health::NewStub(Dial(addr));
  grpc::ClientContext ctx;
  HealthCheckRequest request;
  HealthCheckResponse response;
  grpc::Status st = stub->Check(&ctx, request, &response);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return response.status();
}

std::vector<std::string> ListServices(const std::string& addr) {
  auto stub = reflection::ServerReflection::NewStub(Dial(addr));
  grpc::ClientContext ctx;
  auto stream = stub->ServerReflectionInfo(&ctx);
  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  EXPECT_TRUE(stream->Write(request));
  stream->WritesDone();
  reflection::ServerReflectionResponse response;
  std::vector<std::string> names;
  while (stream->Read(&response)) {
    for (const auto& s : response.list_services_response().service()) {
      names.push_back(s.name());
    }
  }
  EXPECT_TRUE(stream->Finish().ok());
  return names;
}

bool Has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(StandardServices, AllInOneServerIsHealthyAndReflectsBothServices) {
  DimServer server;
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(Health(server.addr()), HealthCheckResponse::SERVING);
  auto names = ListServices(server.addr());
  EXPECT_TRUE(Has(names, "dim.v1.Orchestrator"));
  EXPECT_TRUE(Has(names, "dim.v1.Node"));
  EXPECT_TRUE(Has(names, "grpc.health.v1.Health"));
}

TEST(StandardServices, EachRoleReflectsOnlyItsOwnService) {
  DimServer orchestrator({"--role", "orchestrator"});
  ASSERT_TRUE(orchestrator.ok());
  DimServer node({"--role", "node", "--join", orchestrator.addr()});
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(Health(orchestrator.addr()), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(node.addr()), HealthCheckResponse::SERVING);
  auto o = ListServices(orchestrator.addr());
  auto n = ListServices(node.addr());
  EXPECT_TRUE(Has(o, "dim.v1.Orchestrator") && !Has(o, "dim.v1.Node"));
  EXPECT_TRUE(Has(n, "dim.v1.Node") && !Has(n, "dim.v1.Orchestrator"));
}

}  // namespace
}  // namespace dim::testing
