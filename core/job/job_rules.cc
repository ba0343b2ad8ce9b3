#include "core/job/job_rules.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/config/duration.h"

namespace dim::job::rules {
namespace {

struct Named {
  int value;
  const char* name;
};

const std::vector<Named> kPatterns = {
    {dim::v1::PATTERN_COLLABORATIVE, "collaborative"},
    {dim::v1::PATTERN_COMPARATIVE, "comparative"},
    {dim::v1::PATTERN_CHAINED, "chained"}};
const std::vector<Named> kAggregations = {
    {dim::v1::AGGREGATION_MEAN, "mean"},
    {dim::v1::AGGREGATION_WEIGHTED_MEAN, "weighted_mean"},
    {dim::v1::AGGREGATION_CONCAT, "concat"}};
const std::vector<Named> kConsensus = {
    {dim::v1::CONSENSUS_MAJORITY_VOTE, "majority_vote"},
    {dim::v1::CONSENSUS_WEIGHTED_VOTE, "weighted_vote"},
    {dim::v1::CONSENSUS_MEAN_PROBABILITY, "mean_probability"}};

bool Lookup(const std::vector<Named>& names, const std::string& name,
            int* out) {
  for (const Named& n : names) {
    if (name == n.name) {
      *out = n.value;
      return true;
    }
  }
  return false;
}

// "unknown pattern 'x' (expected collaborative, comparative or chained)"
std::string Unknown(const char* what, const std::string& name,
                    const std::vector<Named>& names) {
  std::string text = std::string("unknown ") + what + " '" + name +
                     "' (expected ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i].name;
  }
  return text + ")";
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

std::string Number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

const char kNoInputForCollaborative[] =
    "collaborative jobs run on the datasets the nodes hold and take no input";

std::string CheckName(const std::string& name) {
  bool valid = !name.empty() && name.size() <= 64 &&
               std::all_of(name.begin(), name.end(), IsNameChar);
  if (valid) return "";
  return "expected 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-', "
         "got '" + name + "'";
}

std::string CheckPriority(int64_t priority) {
  if (priority >= 0 && priority <= 9) return "";
  return "expected an integer from 0 to 9, got " + std::to_string(priority);
}

std::string CheckCount(int64_t n, const char* noun, int64_t lo, int64_t hi) {
  if (n >= lo && n <= hi) return "";
  return "expected " + std::to_string(lo) + " to " + std::to_string(hi) +
         " " + noun + "s, got " + std::to_string(n);
}

std::string CheckId(const std::string& id, const char* noun,
                    size_t max_length) {
  if (id.empty()) return std::string("expected a ") + noun + " id, got ''";
  if (id.size() <= max_length) return "";
  return std::string("a ") + noun + " id is at most " +
         std::to_string(max_length) + " bytes (limits.max_id_length), got " +
         std::to_string(id.size()) + " starting '" + id.substr(0, 32) + "'";
}

Problem CheckIds(const std::vector<std::string>& ids, const char* noun,
                 int64_t lo, int64_t hi, size_t max_length) {
  std::string count =
      CheckCount(static_cast<int64_t>(ids.size()), noun, lo, hi);
  if (!count.empty()) return {-1, count};

  for (size_t i = 0; i < ids.size(); ++i) {
    std::string problem = CheckId(ids[i], noun, max_length);
    if (!problem.empty()) return {static_cast<int>(i), problem};
    if (std::find(ids.begin(), ids.begin() + i, ids[i]) != ids.begin() + i) {
      return {static_cast<int>(i), "'" + ids[i] + "' is listed twice"};
    }
  }
  return {};
}

Problem CheckWeights(const std::vector<double>& weights, size_t models) {
  if (weights.size() != models) {
    return {-1, "expected " + std::to_string(models) +
                    " weights, one per model, got " +
                    std::to_string(weights.size())};
  }
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!(std::isfinite(weights[i]) && weights[i] > 0)) {
      return {static_cast<int>(i),
              "expected a positive number, got " + Number(weights[i])};
    }
  }
  return {};
}

bool ParsePattern(const std::string& name, dim::v1::Pattern* out) {
  int value;
  if (!Lookup(kPatterns, name, &value)) return false;
  *out = static_cast<dim::v1::Pattern>(value);
  return true;
}

bool ParseAggregation(const std::string& name, dim::v1::Aggregation* out) {
  int value;
  if (!Lookup(kAggregations, name, &value)) return false;
  *out = static_cast<dim::v1::Aggregation>(value);
  return true;
}

bool ParseConsensus(const std::string& name, dim::v1::Consensus* out) {
  int value;
  if (!Lookup(kConsensus, name, &value)) return false;
  *out = static_cast<dim::v1::Consensus>(value);
  return true;
}

const char* PatternName(dim::v1::Pattern pattern) {
  for (const Named& n : kPatterns) {
    if (n.value == pattern) return n.name;
  }
  return "";
}

std::string UnknownPattern(const std::string& name) {
  return Unknown("pattern", name, kPatterns);
}

std::string UnknownAggregation(const std::string& name) {
  return Unknown("aggregation", name, kAggregations);
}

std::string UnknownConsensus(const std::string& name) {
  return Unknown("consensus", name, kConsensus);
}

std::string TimeoutRange() {
  return config::FormatDuration(std::chrono::milliseconds(kMinTimeoutMs)) +
         " to " +
         config::FormatDuration(std::chrono::milliseconds(kMaxTimeoutMs));
}

}  // namespace dim::job::rules
