#include "core/mesh/liveness.h"

#include <algorithm>

namespace dim::mesh {
namespace {

using std::chrono::milliseconds;

// Intervals outside this range are a sender's mistake, not a reason to
// keep a member alive for hours or to kill it in microseconds.
constexpr milliseconds kMinInterval{50};
constexpr milliseconds kMaxInterval{60 * 60 * 1000};

milliseconds IntervalOf(const dim::v1::BeatHeader& header,
                        const LivenessPolicy& policy) {
  if (header.interval_ms() <= 0) return policy.default_interval;
  return std::clamp(milliseconds(header.interval_ms()), kMinInterval,
                    kMaxInterval);
}

// How long ago the beat was sent, by the sender's clock against ours: the
// node was alive then, not when pubsub got round to delivering it. Clocks
// of other machines are not trusted further than a tenth of an interval,
// so that a sender whose clock lags cannot eat the slack that keeps one
// lost beat from making it SUSPECT.
milliseconds InTransit(const dim::v1::BeatHeader& header, int64_t now_ms,
                       milliseconds interval) {
  if (header.sent_ms() <= 0 || header.sent_ms() >= now_ms) {
    return milliseconds(0);
  }
  return std::min(milliseconds(now_ms - header.sent_ms()), interval / 10);
}

void Record(const dim::v1::BeatHeader& header, Clock::time_point now,
            int64_t now_ms, const LivenessPolicy& policy,
            BeatRecord* record) {
  if (record->instance != header.instance() || !record->heard) {
    record->instance = header.instance();
    record->instance_since_ms = header.sent_ms();
    record->rival.clear();
  }
  record->heard = true;
  record->seq = header.seq();
  record->interval = IntervalOf(header, policy);
  milliseconds transit = InTransit(header, now_ms, record->interval);
  record->heard_at = now - transit;
  record->arrived_at = now;
  record->heard_ms = now_ms - transit.count();
}

}  // namespace

Verdict Judge(const dim::v1::BeatHeader& header, Clock::time_point now,
              int64_t now_ms, const LivenessPolicy& policy,
              BeatRecord* record) {
  if (!record->heard) {
    Record(header, now, now_ms, policy, record);
    return Verdict::kFirst;
  }
  if (header.instance() == record->instance) {
    if (header.seq() <= record->seq) return Verdict::kStale;
    Record(header, now, now_ms, policy, record);
    return Verdict::kAccepted;
  }
  // Another instance. A beat sent before the current instance began is a
  // replay of a process that has since been replaced.
  if (header.sent_ms() != 0 && header.sent_ms() < record->instance_since_ms) {
    return Verdict::kStale;
  }
  if (now - record->heard_at >= record->interval * 3 / 2) {
    Record(header, now, now_ms, policy, record);
    return Verdict::kRestarted;
  }
  // The current instance was heard lately: a restart whose predecessor
  // has not yet gone quiet, or a second process. Which one shows when the
  // current instance speaks again after the newcomer appeared.
  if (record->rival != header.instance()) {
    record->rival = header.instance();
    record->rival_since = now;
    return Verdict::kPending;
  }
  return record->arrived_at > record->rival_since ? Verdict::kConflict
                                                : Verdict::kPending;
}

dim::v1::NodeState StateAt(const BeatRecord& record, Clock::time_point now,
                           const LivenessPolicy& policy) {
  auto silence = now - record.heard_at;
  if (silence >= record.interval * policy.dead_after) {
    return dim::v1::NODE_STATE_DEAD;
  }
  if (!record.heard) return dim::v1::NODE_STATE_SUSPECT;
  if (silence > record.interval * policy.suspect_after + record.interval / 4) {
    return dim::v1::NODE_STATE_SUSPECT;
  }
  return dim::v1::NODE_STATE_ALIVE;
}

const char* StateName(dim::v1::NodeState state) {
  switch (state) {
    case dim::v1::NODE_STATE_ALIVE: return "ALIVE";
    case dim::v1::NODE_STATE_SUSPECT: return "SUSPECT";
    case dim::v1::NODE_STATE_DEAD: return "DEAD";
    default: return "UNKNOWN";
  }
}

int64_t WallClockMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace dim::mesh
