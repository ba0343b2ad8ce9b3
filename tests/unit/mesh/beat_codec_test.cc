#include "core/mesh/beat_codec.h"

#include <gtest/gtest.h>

namespace dim::mesh {
namespace {

dim::v1::NodeHeartbeat GoodBeat() {
  dim::v1::NodeHeartbeat beat;
  beat.mutable_header()->set_instance("abc");
  beat.mutable_header()->set_seq(1);
  beat.mutable_header()->set_interval_ms(1000);
  beat.mutable_status()->set_node_id("n1");
  beat.mutable_status()->set_address("127.0.0.1:7421");
  beat.mutable_status()->add_models()->set_id("tiny");
  return beat;
}

std::string ErrorOf(const dim::v1::NodeHeartbeat& beat) {
  auto decoded = DecodeNodeBeat(EncodeBeat(beat));
  return decoded.ok() ? "" : decoded.status().message();
}

TEST(BeatCodec, RoundTripsANodeBeat) {
  auto decoded = DecodeNodeBeat(EncodeBeat(GoodBeat()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->status().node_id(), "n1");
  EXPECT_EQ(decoded->status().models(0).id(), "tiny");
  EXPECT_EQ(decoded->header().seq(), 1u);
}

TEST(BeatCodec, RefusesBytesThatAreNotABeat) {
  auto decoded = DecodeNodeBeat("hello");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "node heartbeat: not a dimctl heartbeat (no dim1 tag)");
  EXPECT_EQ(DecodeNodeBeat(std::string("dim1\xff\xff\xff", 7))
                .status()
                .message(),
            "node heartbeat: not a valid message");
  EXPECT_FALSE(DecodeNodeBeat(std::string(kMaxBeatBytes + 1, 'x')).ok());
}

TEST(BeatCodec, NamesTheFieldThatIsWrong) {
  auto beat = GoodBeat();
  beat.mutable_status()->set_address("no-port");
  EXPECT_EQ(ErrorOf(beat), "heartbeat of node n1: status.address: "
                           "expected HOST:PORT, got 'no-port'");
  beat = GoodBeat();
  beat.mutable_status()->set_node_id("");
  EXPECT_EQ(ErrorOf(beat), "node heartbeat: status.node_id is empty");
  beat = GoodBeat();
  beat.mutable_header()->set_seq(0);
  EXPECT_EQ(ErrorOf(beat), "heartbeat of node n1: header.seq is 0");
  beat = GoodBeat();
  beat.mutable_status()->set_node_id("bad id\n");
  EXPECT_EQ(ErrorOf(beat), "node heartbeat: status.node_id has spaces or "
                           "control characters");
  beat = GoodBeat();
  beat.mutable_status()->set_queued(-1);
  EXPECT_EQ(ErrorOf(beat), "heartbeat of node n1: status: capacity, "
                           "running and queued must not be negative");
  beat = GoodBeat();
  beat.mutable_status()->add_models()->set_id(std::string(200, 'm'));
  EXPECT_EQ(ErrorOf(beat), "heartbeat of node n1: status.models.id is "
                           "longer than 128 characters");
}

TEST(BeatCodec, ChecksOrchestratorBeats) {
  dim::v1::OrchestratorHeartbeat beat;
  beat.mutable_header()->set_instance("x");
  beat.mutable_header()->set_seq(3);
  beat.mutable_status()->set_orchestrator_id("o1");
  beat.mutable_status()->set_address("127.0.0.1:99999");
  auto decoded = DecodeOrchestratorBeat(EncodeBeat(beat));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "orchestrator heartbeat: status.address: expected HOST:PORT, "
            "got '127.0.0.1:99999'");
  beat.mutable_status()->set_address("127.0.0.1:7420");
  EXPECT_TRUE(DecodeOrchestratorBeat(EncodeBeat(beat)).ok());
}

}  // namespace
}  // namespace dim::mesh
