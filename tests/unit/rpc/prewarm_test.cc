// Which nodes `dimctl prewarm` asks to load which models.
#include "core/rpc/prewarm.h"

#include <gtest/gtest.h>

namespace dim::rpc {
namespace {

dim::v1::NodeEntry Node(const std::string& id, dim::v1::NodeState state,
                        const std::vector<std::string>& models) {
  dim::v1::NodeEntry e;
  e.set_state(state);
  e.mutable_status()->set_node_id(id);
  e.mutable_status()->set_address(id + ":7421");
  for (const auto& m : models) e.mutable_status()->add_models()->set_id(m);
  return e;
}

const std::vector<dim::v1::NodeEntry> kNodes = {
    Node("a", dim::v1::NODE_STATE_ALIVE, {"diag-a", "tiny"}),
    Node("b", dim::v1::NODE_STATE_ALIVE, {"diag-a"}),
    Node("c", dim::v1::NODE_STATE_DEAD, {"diag-a", "tiny"}),
};

std::vector<std::string> Pairs(const std::vector<PrewarmTarget>& plan) {
  std::vector<std::string> out;
  for (const auto& t : plan) out.push_back(t.node_id + "/" + t.model);
  return out;
}

TEST(PlanPrewarmTest, EveryAliveNodeHoldingTheModel) {
  auto plan = PlanPrewarm(kNodes, {"diag-a", "tiny"}, {});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(Pairs(*plan),
            (std::vector<std::string>{"a/diag-a", "b/diag-a", "a/tiny"}));
  EXPECT_EQ((*plan)[1].address, "b:7421");
}

TEST(PlanPrewarmTest, OnlyTheNamedNodes) {
  auto plan = PlanPrewarm(kNodes, {"diag-a"}, {"b"});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(Pairs(*plan), (std::vector<std::string>{"b/diag-a"}));
}

TEST(PlanPrewarmTest, NamesTheModelNoNodeHoldsAndTheNodeThatCannotHelp) {
  auto none = PlanPrewarm(kNodes, {"tiny", "nosuch"}, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(),
            "no ALIVE node holds model 'nosuch'");
  auto not_there = PlanPrewarm(kNodes, {"tiny"}, {"b"});
  EXPECT_EQ(not_there.status().message(),
            "no ALIVE node of --node holds model 'tiny'");
  EXPECT_EQ(PlanPrewarm(kNodes, {"tiny"}, {"c"}).status().message(),
            "--node: node c is not ALIVE");
  EXPECT_EQ(PlanPrewarm(kNodes, {"tiny"}, {"z"}).status().message(),
            "--node: no node 'z' is known");
}

}  // namespace
}  // namespace dim::rpc
