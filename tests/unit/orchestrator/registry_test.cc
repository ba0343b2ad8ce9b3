#include "core/orchestrator/registry.h"

#include <thread>

#include <gtest/gtest.h>

namespace dim::orchestrator {
namespace {

dim::v1::NodeStatus Node(const std::string& id, std::vector<std::string> models,
                         std::vector<std::string> datasets) {
  dim::v1::NodeStatus s;
  s.set_node_id(id);
  s.set_address("127.0.0.1:1" + id.substr(id.size() - 1));
  s.set_capacity(2);
  for (const auto& m : models) s.add_models()->set_id(m);
  for (const auto& d : datasets) s.add_datasets()->set_name(d);
  return s;
}

std::vector<std::string> Ids(const Eligible& e) {
  std::vector<std::string> ids;
  for (const auto& l : e.loads) ids.push_back(l.node_id);
  return ids;
}

TEST(NodeRegistry, EligibleNodesServeTheModelAndHoldTheDataset) {
  NodeRegistry registry(std::chrono::seconds(10));
  registry.Update(Node("n1", {"m"}, {"ward-a"}));
  registry.Update(Node("n2", {"m"}, {"ward-b"}));
  registry.Update(Node("n3", {"other"}, {"ward-a"}));
  EXPECT_EQ(Ids(registry.FindEligible("m", "ward-a", {})),
            std::vector<std::string>{"n1"});
  EXPECT_EQ(Ids(registry.FindEligible("m", "", {})),
            (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(Ids(registry.FindEligible("m", "", {"n2"})),
            std::vector<std::string>{"n2"});
  EXPECT_EQ(registry.FindEligible("m", "", {}).addresses.at("n2"),
            "127.0.0.1:12");
}

TEST(NodeRegistry, SaysWhyNothingIsEligible) {
  NodeRegistry registry(std::chrono::seconds(10));
  registry.Update(Node("n1", {"m"}, {"ward-a"}));
  EXPECT_EQ(registry.WhyNoneEligible("m", "ward-b", {}),
            "no node holds dataset ward-b");
  EXPECT_EQ(registry.WhyNoneEligible("x", "", {}), "no node serves model x");
  EXPECT_EQ(registry.WhyNoneEligible("m", "", {"n9"}),
            "no node among n9 serves model m");
  registry.MarkUnreachable("n1");
  EXPECT_EQ(registry.WhyNoneEligible("m", "", {}),
            "every node that can run m is unreachable (n1)");
}

TEST(NodeRegistry, UnreachableNodeIsSkippedUntilHeardAgain) {
  NodeRegistry registry(std::chrono::seconds(10));
  registry.Update(Node("n1", {"m"}, {}));
  registry.MarkUnreachable("n1");
  EXPECT_TRUE(registry.FindEligible("m", "", {}).loads.empty());
  EXPECT_EQ(registry.List()[0].state(), dim::v1::NODE_STATE_DEAD);
  registry.Update(Node("n1", {"m"}, {}));
  EXPECT_EQ(registry.FindEligible("m", "", {}).loads.size(), 1u);
}

TEST(NodeRegistry, SilentNodeExpires) {
  NodeRegistry registry(std::chrono::milliseconds(50));
  registry.Update(Node("n1", {"m"}, {}));
  EXPECT_EQ(registry.List()[0].state(), dim::v1::NODE_STATE_ALIVE);
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_EQ(registry.List()[0].state(), dim::v1::NODE_STATE_DEAD);
  EXPECT_TRUE(registry.FindEligible("m", "", {}).loads.empty());
  // What it said about its models is still known, for validation.
  EXPECT_TRUE(registry.FindModel("m").has_value());
}

TEST(NodeRegistry, InflightTasksCountAsLoadBetweenHeartbeats) {
  NodeRegistry registry(std::chrono::seconds(10));
  registry.Update(Node("n1", {"m"}, {}));
  registry.AddInflight("n1", 1);
  registry.AddInflight("n1", 1);
  EXPECT_EQ(registry.FindEligible("m", "", {}).loads[0].running, 2);
  registry.AddInflight("n1", -1);
  EXPECT_EQ(registry.FindEligible("m", "", {}).loads[0].running, 1);
}

}  // namespace
}  // namespace dim::orchestrator
