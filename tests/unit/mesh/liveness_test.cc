#include "core/mesh/liveness.h"

#include <gtest/gtest.h>

namespace dim::mesh {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kInterval{1000};

// A clock the test moves by hand, and beats stamped against it.
class LivenessTest : public ::testing::Test {
 protected:
  dim::v1::BeatHeader Beat(const std::string& instance, uint64_t seq) {
    dim::v1::BeatHeader h;
    h.set_instance(instance);
    h.set_seq(seq);
    h.set_sent_ms(Ms());
    h.set_interval_ms(kInterval.count());
    return h;
  }
  Verdict Hear(const dim::v1::BeatHeader& h) {
    return Judge(h, now_, Ms(), policy_, &record_);
  }
  dim::v1::NodeState State() { return StateAt(record_, now_, policy_); }
  void Advance(milliseconds by) { now_ += by; }
  int64_t Ms() {
    return std::chrono::duration_cast<milliseconds>(now_ - start_).count() +
           1'000'000;
  }

  LivenessPolicy policy_;  // suspect after 2 intervals, dead after 3
  Clock::time_point start_ = Clock::now();
  Clock::time_point now_ = start_;
  BeatRecord record_;
};

TEST_F(LivenessTest, OneLostBeatDoesNotMakeANodeSuspect) {
  EXPECT_EQ(Hear(Beat("a", 1)), Verdict::kFirst);
  // Beat 2 is lost; beat 3 arrives a little late.
  for (int step = 0; step < 21; ++step) {
    Advance(milliseconds(100));
    EXPECT_EQ(State(), dim::v1::NODE_STATE_ALIVE) << "at " << step;
  }
  EXPECT_EQ(Hear(Beat("a", 3)), Verdict::kAccepted);
  EXPECT_EQ(State(), dim::v1::NODE_STATE_ALIVE);
}

TEST_F(LivenessTest, SilenceMakesSuspectThenDeadByTheSendersInterval) {
  Hear(Beat("a", 1));
  Advance(milliseconds(2300));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_SUSPECT);
  Advance(milliseconds(650));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_SUSPECT);
  Advance(milliseconds(50));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_DEAD);
  EXPECT_EQ(Hear(Beat("a", 2)), Verdict::kAccepted);
  EXPECT_EQ(State(), dim::v1::NODE_STATE_ALIVE);
}

TEST_F(LivenessTest, ConfigurableThresholds) {
  policy_.suspect_after = 4;
  policy_.dead_after = 6;
  Hear(Beat("a", 1));
  Advance(milliseconds(4000));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_ALIVE);
  Advance(milliseconds(1000));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_SUSPECT);
  Advance(milliseconds(1000));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_DEAD);
}

TEST_F(LivenessTest, ReplayedAndOutOfOrderBeatsAreIgnored) {
  Hear(Beat("a", 5));
  Advance(milliseconds(2900));
  EXPECT_EQ(Hear(Beat("a", 5)), Verdict::kStale);
  EXPECT_EQ(Hear(Beat("a", 4)), Verdict::kStale);
  // The replays kept nothing alive.
  Advance(milliseconds(100));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_DEAD);
}

TEST_F(LivenessTest, RestartedProcessTakesOverOnceTheOldOneIsQuiet) {
  Hear(Beat("old", 1));
  Advance(milliseconds(300));
  // The old process just died; its successor is heard at once.
  EXPECT_EQ(Hear(Beat("new", 1)), Verdict::kPending);
  Advance(milliseconds(1300));
  EXPECT_EQ(Hear(Beat("new", 2)), Verdict::kRestarted);
  EXPECT_EQ(record_.instance, "new");
  EXPECT_EQ(State(), dim::v1::NODE_STATE_ALIVE);
}

TEST_F(LivenessTest, TwoLiveProcessesAreAConflict) {
  Hear(Beat("a", 1));
  Advance(milliseconds(500));
  EXPECT_EQ(Hear(Beat("b", 1)), Verdict::kPending);
  Advance(milliseconds(500));
  EXPECT_EQ(Hear(Beat("a", 2)), Verdict::kAccepted);
  Advance(milliseconds(500));
  EXPECT_EQ(Hear(Beat("b", 2)), Verdict::kConflict);
  EXPECT_EQ(record_.instance, "a");
}

// Whether the current process spoke again after the rival appeared goes
// by arrival: a beat sent just before the rival's but delivered after it
// still shows both are alive.
TEST_F(LivenessTest, ConflictGoesByArrivalNotBySendTime) {
  Hear(Beat("a", 1));
  Advance(milliseconds(500));
  dim::v1::BeatHeader delayed = Beat("a", 2);
  Advance(milliseconds(30));
  EXPECT_EQ(Hear(Beat("b", 1)), Verdict::kPending);
  Advance(milliseconds(30));
  EXPECT_EQ(Hear(delayed), Verdict::kAccepted);
  Advance(milliseconds(500));
  EXPECT_EQ(Hear(Beat("b", 2)), Verdict::kConflict);
}

TEST_F(LivenessTest, BeatOfAProcessOlderThanTheCurrentOneIsStale) {
  auto old_beat = Beat("old", 9);
  Advance(milliseconds(5000));
  Hear(Beat("new", 1));
  Advance(milliseconds(200));
  EXPECT_EQ(Hear(old_beat), Verdict::kStale);
}

// A beat that took 40 ms to arrive says the node was alive 40 ms ago;
// a sender's clock is believed by a tenth of an interval at most.
TEST_F(LivenessTest, SilenceCountsFromWhenTheBeatWasSent) {
  dim::v1::BeatHeader late = Beat("a", 1);
  Advance(milliseconds(40));
  Hear(late);
  Advance(kInterval * 3 - milliseconds(41));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_SUSPECT);
  Advance(milliseconds(1));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_DEAD);

  BeatRecord skewed;
  dim::v1::BeatHeader old = Beat("b", 1);
  old.set_sent_ms(Ms() - 5000);  // a clock five seconds behind ours
  Judge(old, now_, Ms(), policy_, &skewed);
  Advance(kInterval * 3 - kInterval / 10 - milliseconds(1));
  EXPECT_NE(StateAt(skewed, now_, policy_), dim::v1::NODE_STATE_DEAD);
  Advance(milliseconds(1));
  EXPECT_EQ(StateAt(skewed, now_, policy_), dim::v1::NODE_STATE_DEAD);

  BeatRecord ahead;
  dim::v1::BeatHeader future = Beat("c", 1);
  future.set_sent_ms(Ms() + 5000);  // a clock ahead: no credit at all
  Judge(future, now_, Ms(), policy_, &ahead);
  Advance(kInterval * 3 - milliseconds(1));
  EXPECT_NE(StateAt(ahead, now_, policy_), dim::v1::NODE_STATE_DEAD);
}

TEST_F(LivenessTest, NeverHeardIsSuspectThenDead) {
  record_.heard_at = now_;
  record_.interval = kInterval;
  EXPECT_EQ(State(), dim::v1::NODE_STATE_SUSPECT);
  Advance(milliseconds(3000));
  EXPECT_EQ(State(), dim::v1::NODE_STATE_DEAD);
}

}  // namespace
}  // namespace dim::mesh
