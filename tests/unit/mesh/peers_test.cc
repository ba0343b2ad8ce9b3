#include "core/mesh/peers.h"

#include <gtest/gtest.h>

namespace dim::mesh {
namespace {

dim::v1::OrchestratorHeartbeat Beat(const std::string& id, int queued,
                                    int running) {
  static uint64_t seq = 0;
  dim::v1::OrchestratorHeartbeat beat;
  beat.mutable_header()->set_instance("i-" + id);
  beat.mutable_header()->set_seq(++seq);
  beat.mutable_header()->set_interval_ms(10000);
  beat.mutable_status()->set_orchestrator_id(id);
  beat.mutable_status()->set_address("127.0.0.1:1");
  beat.mutable_status()->set_queued(queued);
  beat.mutable_status()->set_running(running);
  return beat;
}

dim::v1::OrchestratorStatus Own(int jobs) {
  dim::v1::OrchestratorStatus own;
  own.set_orchestrator_id("self");
  own.set_running(jobs);
  return own;
}

TEST(PeerTable, IgnoresItsOwnBeats) {
  PeerTable peers("self", {});
  EXPECT_EQ(peers.Update(Beat("self", 0, 0)), Verdict::kStale);
  EXPECT_TRUE(peers.List().empty());
}

TEST(PeerTable, ForwardsOnlyBeyondTheMarginToTheLeastLoaded) {
  PeerTable peers("self", {});
  peers.Update(Beat("busy", 5, 5));
  peers.Update(Beat("idle", 1, 1));
  EXPECT_FALSE(ForwardTarget(Own(6), peers, 4).has_value());
  auto target = ForwardTarget(Own(7), peers, 4);
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->orchestrator_id(), "idle");
}

TEST(PeerTable, JobsHandedOverCountUntilThePeersNextBeat) {
  PeerTable peers("self", {});
  peers.Update(Beat("idle", 0, 0));
  for (int i = 0; i < 3; ++i) peers.AddForwarded("idle");
  EXPECT_EQ(LoadOf(peers.Alive().front()), 3);
  EXPECT_FALSE(ForwardTarget(Own(5), peers, 2).has_value());
  peers.Update(Beat("idle", 0, 1));
  EXPECT_EQ(LoadOf(peers.Alive().front()), 1);
}

TEST(PeerTable, NoPeersNoForwarding) {
  PeerTable peers("self", {});
  EXPECT_FALSE(ForwardTarget(Own(100), peers, 1).has_value());
}

}  // namespace
}  // namespace dim::mesh
