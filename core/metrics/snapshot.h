// What a registry holds at one moment, as plain values: what the
// Prometheus renderer, the wire conversion and the CLI read, and what
// snapshots from several servers merge into.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace dim::metrics {

enum class Kind { kCounter, kGauge, kHistogram };

const char* KindName(Kind kind);  // "counter", "gauge", "histogram"

struct Label {
  std::string name;
  std::string value;
};

bool operator==(const Label& a, const Label& b);
bool operator<(const Label& a, const Label& b);

struct HistogramData {
  // Upper bounds, ascending; the last bucket (+Inf) has none.
  std::vector<double> bounds;
  // Observations per bucket, not cumulative: bounds.size() + 1 of them.
  std::vector<uint64_t> counts;
  uint64_t count = 0;  // the sum of counts
  double sum = 0;      // of the observed values
  // The smallest and largest value observed; +Inf and -Inf when nothing
  // was, or when the sender did not say. Quantiles in the first and last
  // occupied buckets are interpolated between these rather than the
  // bucket's bounds.
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

struct Sample {
  // In the order the family declared its label names.
  std::vector<Label> labels;
  double value = 0;         // counters and gauges
  HistogramData histogram;  // histograms
};

struct FamilySnapshot {
  std::string name;  // dotted: dim.jobs.duration
  std::string help;
  Kind kind = Kind::kCounter;
  std::string unit;  // "seconds", "bytes" or empty
  std::vector<Sample> samples;
};

struct Snapshot {
  std::vector<FamilySnapshot> families;  // by name
};

// Adds `from` into `*into`: families are matched by name and samples by
// their label set. Counters, gauges (the fleet's total) and histogram
// buckets add up; what is only in `from` is copied. Returns false, leaves
// `*into` as it was and says why in `*error` when a family has another
// kind on each side or two histograms have different bounds.
bool Merge(const Snapshot& from, Snapshot* into, std::string* error);

// The value below which a fraction `q` (0..1) of the observations fall,
// interpolated linearly inside the bucket where that rank lands, as
// Prometheus's histogram_quantile() does, so that the CLI and a dashboard
// agree. The first bucket is taken to start at 0; a rank in the +Inf
// bucket answers the highest finite bound. NaN for an empty histogram.
double Quantile(const HistogramData& histogram, double q);

}  // namespace dim::metrics
