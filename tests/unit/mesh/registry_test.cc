#include "core/mesh/registry.h"

#include <thread>

#include <gtest/gtest.h>

namespace dim::mesh {
namespace {

using std::chrono::milliseconds;

LivenessPolicy Every(milliseconds interval) {
  LivenessPolicy policy;
  policy.default_interval = interval;
  return policy;
}

// A beat of one process per node id, numbered in order, claiming to come
// every `interval`.
dim::v1::NodeHeartbeat Node(const std::string& id,
                            std::vector<std::string> models,
                            std::vector<std::string> datasets,
                            milliseconds interval = milliseconds(10000)) {
  static uint64_t seq = 0;
  dim::v1::NodeHeartbeat beat;
  beat.mutable_header()->set_instance("i-" + id);
  beat.mutable_header()->set_seq(++seq);
  beat.mutable_header()->set_sent_ms(WallClockMs());
  beat.mutable_header()->set_interval_ms(interval.count());
  dim::v1::NodeStatus& s = *beat.mutable_status();
  s.set_node_id(id);
  s.set_address("127.0.0.1:1" + id.substr(id.size() - 1));
  s.set_capacity(2);
  for (const auto& m : models) s.add_models()->set_id(m);
  for (const auto& d : datasets) s.add_datasets()->set_name(d);
  return beat;
}

std::vector<std::string> Ids(const Eligible& e) {
  std::vector<std::string> ids;
  for (const auto& l : e.loads) ids.push_back(l.node_id);
  return ids;
}

TEST(NodeRegistry, EligibleNodesServeTheModelAndHoldTheDataset) {
  NodeRegistry registry(Every(milliseconds(10000)));
  registry.Update(Node("n1", {"m"}, {"ward-a"}), Source::kLocal);
  registry.Update(Node("n2", {"m"}, {"ward-b"}), Source::kLocal);
  registry.Update(Node("n3", {"other"}, {"ward-a"}), Source::kLocal);
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
  NodeRegistry registry(Every(milliseconds(10000)));
  registry.Update(Node("n1", {"m"}, {"ward-a"}), Source::kLocal);
  EXPECT_EQ(registry.WhyNoneEligible("m", "ward-b", {}),
            "no node holds dataset ward-b");
  EXPECT_EQ(registry.WhyNoneEligible("x", "", {}), "no node serves model x");
  EXPECT_EQ(registry.WhyNoneEligible("m", "", {"n9"}),
            "no node among n9 serves model m");
  registry.MarkUnreachable("n1");
  EXPECT_EQ(registry.WhyNoneEligible("m", "", {}),
            "no node that can run m is ALIVE (n1 DEAD)");
}

TEST(NodeRegistry, UnreachableNodeIsSkippedUntilHeardAgain) {
  NodeRegistry registry(Every(milliseconds(10000)));
  registry.Update(Node("n1", {"m"}, {}), Source::kLocal);
  registry.MarkUnreachable("n1");
  EXPECT_TRUE(registry.FindEligible("m", "", {}).loads.empty());
  EXPECT_EQ(registry.List()[0].state(), dim::v1::NODE_STATE_DEAD);
  registry.Update(Node("n1", {"m"}, {}), Source::kLocal);
  EXPECT_EQ(registry.FindEligible("m", "", {}).loads.size(), 1u);
}

// The thresholds themselves are tested with a fake clock in
// liveness_test; this is the registry applying them.
TEST(NodeRegistry, SilentNodeDies) {
  NodeRegistry registry(Every(milliseconds(50)));
  registry.Update(Node("n1", {"m"}, {}, milliseconds(50)), Source::kLocal);
  EXPECT_EQ(registry.List()[0].state(), dim::v1::NODE_STATE_ALIVE);
  std::this_thread::sleep_for(milliseconds(160));
  EXPECT_EQ(registry.List()[0].state(), dim::v1::NODE_STATE_DEAD);
  EXPECT_TRUE(registry.FindEligible("m", "", {}).loads.empty());
  // What it said about its models is still known, for validation.
  EXPECT_TRUE(registry.FindModel("m").has_value());
}

TEST(NodeRegistry, InflightTasksCountAsLoadBetweenHeartbeats) {
  NodeRegistry registry(Every(milliseconds(10000)));
  registry.Update(Node("n1", {"m"}, {}), Source::kLocal);
  registry.AddInflight("n1", 1);
  registry.AddInflight("n1", 1);
  EXPECT_EQ(registry.FindEligible("m", "", {}).loads[0].running, 2);
  registry.AddInflight("n1", -1);
  EXPECT_EQ(registry.FindEligible("m", "", {}).loads[0].running, 1);
}

TEST(NodeRegistry, SweepReportsEachChangeOnce) {
  NodeRegistry registry(Every(milliseconds(40)));
  registry.Update(Node("n1", {"m"}, {}, milliseconds(40)), Source::kLocal);
  auto first = registry.Sweep();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].to, dim::v1::NODE_STATE_ALIVE);
  EXPECT_TRUE(registry.Sweep().empty());
  std::this_thread::sleep_for(milliseconds(150));
  auto later = registry.Sweep();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].node_id, "n1");
  EXPECT_EQ(later[0].to, dim::v1::NODE_STATE_DEAD);
  EXPECT_GE(later[0].silence, milliseconds(120));
}

TEST(NodeRegistry, SecondProcessWithTheSameIdIsReportedNotMerged) {
  NodeRegistry registry(Every(milliseconds(10000)));
  auto first = Node("n1", {"m"}, {});
  first.mutable_status()->set_address("10.0.0.1:7420");
  auto second = first;
  second.mutable_header()->set_instance("other");
  second.mutable_status()->set_address("10.0.0.2:7420");
  second.mutable_status()->clear_models();

  EXPECT_EQ(registry.Update(first, Source::kPubsub), Verdict::kFirst);
  EXPECT_EQ(registry.Update(second, Source::kPubsub), Verdict::kPending);
  first.mutable_header()->set_seq(first.header().seq() + 1);
  EXPECT_EQ(registry.Update(first, Source::kPubsub), Verdict::kAccepted);
  second.mutable_header()->set_seq(second.header().seq() + 1);
  EXPECT_EQ(registry.Update(second, Source::kPubsub), Verdict::kConflict);

  auto entry = registry.Find("n1");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->status().address(), "10.0.0.1:7420");
  EXPECT_EQ(entry->status().models_size(), 1);
  EXPECT_EQ(entry->conflict(), "instance other at 10.0.0.2:7420");
}

TEST(NodeRegistry, SnapshotNodesAreSuspectUntilHeard) {
  NodeRegistry registry(Every(milliseconds(10000)));
  dim::v1::RegistrySnapshot snapshot;
  dim::v1::NodeEntry* entry = snapshot.add_nodes();
  *entry->mutable_status() = Node("n7", {"m"}, {}).status();
  entry->set_state(dim::v1::NODE_STATE_ALIVE);
  entry->set_interval_ms(10000);

  EXPECT_EQ(registry.Seed(snapshot), 1);
  EXPECT_EQ(registry.Seed(snapshot), 0);
  auto seeded = registry.Find("n7");
  ASSERT_TRUE(seeded.has_value());
  EXPECT_EQ(seeded->state(), dim::v1::NODE_STATE_SUSPECT);
  EXPECT_EQ(seeded->source(), "snapshot");
  EXPECT_EQ(seeded->last_seen_ms(), 0);
  EXPECT_TRUE(registry.FindEligible("m", "", {}).loads.empty());
  // What it served is known, for validating jobs.
  EXPECT_TRUE(registry.FindModel("m").has_value());

  registry.Update(Node("n7", {"m"}, {}), Source::kPubsub);
  EXPECT_EQ(registry.Find("n7")->state(), dim::v1::NODE_STATE_ALIVE);
  EXPECT_EQ(registry.Snapshot("o1").nodes_size(), 1);
}

}  // namespace
}  // namespace dim::mesh
