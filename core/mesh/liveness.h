// Failure detection shared by every member table (nodes, orchestrators):
// which beats to believe, and what silence means.
//
// A member is judged by its own advertised heartbeat interval. It is
// ALIVE while heard within `suspect_after` intervals (plus a quarter
// interval of slack, so that one lost or late beat on a lossy pubsub does
// not make it flap), SUSPECT after that, and DEAD once silent for
// `dead_after` intervals. Beats are ordered by (instance, seq): a beat
// older than the last one of its instance is a replay and is ignored. A
// beat from another instance replaces the current one only when the
// current one has gone quiet (a restart); if the current one speaks again
// after the newcomer appeared, two processes claim the id: a conflict,
// reported and never merged.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "dim/v1/dim.pb.h"

namespace dim::mesh {

using Clock = std::chrono::steady_clock;

struct LivenessPolicy {
  int suspect_after = 2;
  int dead_after = 3;
  // Used when a beat does not say how often its sender beats.
  std::chrono::milliseconds default_interval{1000};
};

// What a table remembers about one member's beats.
struct BeatRecord {
  bool heard = false;  // false: known only from a snapshot
  std::string instance;
  uint64_t seq = 0;
  int64_t instance_since_ms = 0;  // sent_ms of the instance's first beat
  // When the node was last known alive: the last beat's send time, as far
  // as the sender's clock is believed (see Judge), or when loaded unheard.
  // Silence is counted from here.
  Clock::time_point heard_at;
  int64_t heard_ms = 0;  // wall clock of heard_at; 0 if unheard
  // When the last beat arrived here: orders it against a rival's.
  Clock::time_point arrived_at;
  std::chrono::milliseconds interval{1000};
  // Another instance heard while this one was still beating.
  std::string rival;
  Clock::time_point rival_since;
};

enum class Verdict {
  kFirst,      // first beat ever heard for this id
  kAccepted,   // the next beat of the current instance
  kRestarted,  // a new instance took over from a silent one
  kStale,      // a replay or an out-of-order beat: ignored
  kPending,    // another instance while this one may just have died:
               // ignored until this one is silent or speaks again
  kConflict,   // another live process claims the id: ignored, reported
};

// Judges `header` against `record` and, unless the verdict is kStale or
// kConflict, records it as heard at `now`.
Verdict Judge(const dim::v1::BeatHeader& header, Clock::time_point now,
              int64_t now_ms, const LivenessPolicy& policy,
              BeatRecord* record);

// The member's state at `now`. A member never heard is SUSPECT until
// dead_after intervals from when it was loaded, then DEAD.
dim::v1::NodeState StateAt(const BeatRecord& record, Clock::time_point now,
                           const LivenessPolicy& policy);

// "ALIVE", "SUSPECT", "DEAD".
const char* StateName(dim::v1::NodeState state);

int64_t WallClockMs();

}  // namespace dim::mesh
