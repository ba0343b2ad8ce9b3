#include "core/metrics/snapshot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace dim::metrics {
namespace {

// Label sets are compared without regard to order, so that a snapshot
// decoded from another server matches whatever order it listed them in.
std::vector<Label> Sorted(std::vector<Label> labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}

bool MergeHistogram(const HistogramData& from, HistogramData* into,
                    const std::string& where, std::string* error) {
  if (from.bounds != into->bounds ||
      from.counts.size() != into->counts.size()) {
    *error = where + ": histograms have different buckets and cannot merge";
    return false;
  }
  for (size_t i = 0; i < from.counts.size(); ++i) {
    into->counts[i] += from.counts[i];
  }
  into->count += from.count;
  into->sum += from.sum;
  into->min = std::min(into->min, from.min);
  into->max = std::max(into->max, from.max);
  return true;
}

bool MergeFamily(const FamilySnapshot& from, FamilySnapshot* into,
                 std::string* error) {
  if (from.kind != into->kind) {
    *error = "metric " + from.name + " is a " + KindName(from.kind) +
             " on one side and a " + KindName(into->kind) + " on the other";
    return false;
  }
  std::map<std::vector<Label>, Sample*> mine;
  for (Sample& s : into->samples) mine[Sorted(s.labels)] = &s;
  for (const Sample& s : from.samples) {
    auto it = mine.find(Sorted(s.labels));
    if (it == mine.end()) {
      into->samples.push_back(s);
      continue;
    }
    it->second->value += s.value;
    if (from.kind == Kind::kHistogram &&
        !MergeHistogram(s.histogram, &it->second->histogram,
                        "metric " + from.name, error)) {
      return false;
    }
  }
  return true;
}

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kCounter: return "counter";
    case Kind::kGauge: return "gauge";
    case Kind::kHistogram: return "histogram";
  }
  return "unknown";
}

bool operator==(const Label& a, const Label& b) {
  return a.name == b.name && a.value == b.value;
}

bool operator<(const Label& a, const Label& b) {
  return a.name != b.name ? a.name < b.name : a.value < b.value;
}

bool Merge(const Snapshot& from, Snapshot* into, std::string* error) {
  // Built aside so that a failure half-way leaves *into untouched; the
  // samples of `into` may move in memory while families are appended.
  Snapshot merged = *into;
  for (const FamilySnapshot& f : from.families) {
    auto it = std::find_if(
        merged.families.begin(), merged.families.end(),
        [&](const FamilySnapshot& g) { return g.name == f.name; });
    if (it == merged.families.end()) {
      merged.families.push_back(f);
    } else if (!MergeFamily(f, &*it, error)) {
      return false;
    }
  }
  std::sort(merged.families.begin(), merged.families.end(),
            [](const FamilySnapshot& a, const FamilySnapshot& b) {
              return a.name < b.name;
            });
  *into = std::move(merged);
  return true;
}

double Quantile(const HistogramData& h, double q) {
  uint64_t total = 0;
  for (uint64_t c : h.counts) total += c;
  if (total == 0 || h.counts.size() != h.bounds.size() + 1) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // The rank comes from the buckets rather than h.count, which a snapshot
  // read while observations land may have a little ahead or behind.
  double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
  uint64_t below = 0;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    uint64_t here = h.counts[i];
    if (here == 0 || static_cast<double>(below + here) < rank) {
      below += here;
      continue;
    }
    if (i == h.bounds.size()) {
      double last = h.bounds.empty() ? 0 : h.bounds.back();
      return std::isfinite(h.max) ? std::max(last, h.max) : last;
    }
    double lower = i == 0 ? 0 : h.bounds[i - 1];
    double upper = h.bounds[i];
    // The observed extremes narrow the edge buckets: values that end
    // inside a bucket would otherwise be spread to its far bound.
    if (h.min > lower && h.min <= upper) lower = h.min;
    if (h.max >= lower && h.max < upper) upper = h.max;
    double within = (rank - static_cast<double>(below)) /
                    static_cast<double>(here);
    return lower + (upper - lower) * std::clamp(within, 0.0, 1.0);
  }
  return h.bounds.empty() ? 0 : h.bounds.back();
}

}  // namespace dim::metrics
