#include "core/orchestrator/selection.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

namespace dim::orchestrator {
namespace {

NodeLoad Node(std::string id, int capacity, int running, int queued) {
  return NodeLoad{std::move(id), capacity, running, queued};
}

TEST(SelectionTest, PicksLowestLoadRelativeToCapacity) {
  // Loads: a 2/4 = 0.5, b 1/1 = 1, c 3/8 = 0.375.
  NodeSelector selector;
  EXPECT_EQ(selector.Pick({Node("a", 4, 2, 0), Node("b", 1, 0, 1),
                           Node("c", 8, 1, 2)},
                          {}),
            "c");
}

TEST(SelectionTest, CountsQueuedTasksAsLoad) {
  // a: (1 + 3) / 4 = 1; b: (2 + 0) / 4 = 0.5.
  NodeSelector selector;
  EXPECT_EQ(selector.Pick({Node("a", 4, 1, 3), Node("b", 4, 2, 0)}, {}), "b");
}

TEST(SelectionTest, TreatsZeroCapacityAsOne) {
  // a: 1 / max(0, 1) = 1; b: 3 / 4 = 0.75.
  NodeSelector selector;
  EXPECT_EQ(selector.Pick({Node("a", 0, 1, 0), Node("b", 4, 3, 0)}, {}), "b");
}

TEST(SelectionTest, SkipsExcludedNodes) {
  NodeSelector selector;
  const std::vector<NodeLoad> nodes = {Node("a", 4, 0, 0), Node("b", 4, 1, 0),
                                       Node("c", 4, 3, 0)};
  EXPECT_EQ(selector.Pick(nodes, {"a"}), "b");
  EXPECT_EQ(selector.Pick(nodes, {"a", "b"}), "c");
  EXPECT_EQ(selector.Pick(nodes, {"a", "b", "c"}), std::nullopt);
}

TEST(SelectionTest, ReturnsNothingWithoutNodes) {
  NodeSelector selector;
  EXPECT_EQ(selector.Pick({}, {}), std::nullopt);
}

TEST(SelectionTest, SharesEvenlyAmongEqualNodes) {
  NodeSelector selector;
  const std::vector<NodeLoad> nodes = {Node("n1", 2, 1, 0), Node("n2", 2, 1, 0),
                                       Node("n3", 2, 1, 0)};
  std::map<std::string, int> picks;
  for (int i = 0; i < 100; ++i) ++picks[*selector.Pick(nodes, {})];

  ASSERT_EQ(picks.size(), 3u);
  for (const auto& [id, count] : picks) {
    EXPECT_TRUE(count == 33 || count == 34) << id << " got " << count;
  }
}

TEST(SelectionTest, TreatsEqualRatiosAsTiedAndRotates) {
  // 1/2 and 2/4 are the same load; the lower id goes first, then they
  // alternate whatever order they are listed in.
  NodeSelector selector;
  const std::vector<NodeLoad> nodes = {Node("b", 4, 2, 0), Node("a", 2, 1, 0)};
  EXPECT_EQ(selector.Pick(nodes, {}), "a");
  EXPECT_EQ(selector.Pick(nodes, {}), "b");
  EXPECT_EQ(selector.Pick({nodes[1], nodes[0]}, {}), "a");
  EXPECT_EQ(selector.Pick(nodes, {}), "b");
}

TEST(SelectionTest, RotationSurvivesChangesInTheTiedSet) {
  // After a and b have each been picked, the newcomer c goes first, then
  // whichever of a and b waited longest.
  NodeSelector selector;
  const NodeLoad a = Node("a", 1, 0, 0);
  const NodeLoad b = Node("b", 1, 0, 0);
  const NodeLoad c = Node("c", 1, 0, 0);
  EXPECT_EQ(selector.Pick({a, b}, {}), "a");
  EXPECT_EQ(selector.Pick({a, b}, {}), "b");
  EXPECT_EQ(selector.Pick({a, b, c}, {}), "c");
  EXPECT_EQ(selector.Pick({a, b, c}, {}), "a");
}

TEST(SelectionTest, SharesEvenlyUnderConcurrentPicks) {
  NodeSelector selector;
  const std::vector<NodeLoad> nodes = {Node("n1", 1, 0, 0), Node("n2", 1, 0, 0),
                                       Node("n3", 1, 0, 0)};
  std::mutex mu;
  std::map<std::string, int> picks;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 75; ++i) {
        const std::string id = *selector.Pick(nodes, {});
        std::lock_guard<std::mutex> lock(mu);
        ++picks[id];
      }
    });
  }
  for (std::thread& t : threads) t.join();

  // 300 picks, each made under the selector's lock, go round exactly.
  EXPECT_EQ(picks["n1"], 100);
  EXPECT_EQ(picks["n2"], 100);
  EXPECT_EQ(picks["n3"], 100);
}

}  // namespace
}  // namespace dim::orchestrator
