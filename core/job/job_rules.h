// The rules a job must follow, shared by the job file parser (which adds
// positions) and ValidateJobSpec (which adds field names). Private to
// core/job. A returned message is what was expected and what was found,
// with no prefix; an empty message means the value is fine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dim/v1/dim.pb.h"

namespace dim::job::rules {

constexpr int kDefaultPriority = 5;
constexpr int64_t kMinTimeoutMs = 1000;
constexpr int64_t kMaxTimeoutMs = 24 * 3600 * 1000;

std::string CheckName(const std::string& name);
std::string CheckPriority(int64_t priority);

// "expected 1 to 32 steps, got 0" when n is not from lo to hi; noun is
// singular.
std::string CheckCount(int64_t n, const char* noun, int64_t lo, int64_t hi);

// A problem with a list; index is the element at fault, or -1 when the
// list as a whole is.
struct Problem {
  int index = -1;
  std::string message;

  bool ok() const { return message.empty(); }
};

// One id of a model, dataset or node: not empty, at most max_length
// bytes. Empty when it is fine.
std::string CheckId(const std::string& id, const char* noun,
                    size_t max_length);
// Ids of models, datasets or nodes: from lo to hi of them, each passing
// CheckId, none listed twice. noun is singular: "expected 1 to 64
// datasets, got 0".
Problem CheckIds(const std::vector<std::string>& ids, const char* noun,
                 int64_t lo, int64_t hi, size_t max_length);
// One positive weight per model.
Problem CheckWeights(const std::vector<double>& weights, size_t models);

// Names as written in job files. The Parse functions return false for an
// unknown name; Unknown* build the message that lists the valid ones.
bool ParsePattern(const std::string& name, dim::v1::Pattern* out);
bool ParseAggregation(const std::string& name, dim::v1::Aggregation* out);
bool ParseConsensus(const std::string& name, dim::v1::Consensus* out);
// Also the name of the pattern's section; "" for PATTERN_UNSPECIFIED.
const char* PatternName(dim::v1::Pattern pattern);
std::string UnknownPattern(const std::string& name);
std::string UnknownAggregation(const std::string& name);
std::string UnknownConsensus(const std::string& name);

// Why a collaborative job has no [input], and why a timeout is refused.
extern const char kNoInputForCollaborative[];
std::string TimeoutRange();

}  // namespace dim::job::rules
