// The one bucket layout every histogram uses. Because the bounds are the
// same in every process and every version, histograms from several
// servers merge by adding their bucket counts, and a quantile computed
// from the merged counts is as good as one from a single server.
//
// Bound i is 10^((i - 48) / 8), rounded to 6 significant digits: eight
// buckets per decade from 1 microsecond (1e-06) to about 70 minutes
// (4216.97), meant for values in seconds. Neighbouring bounds differ by a
// factor of 1.334, and the bounds read well (0.001, 0.00133352, ..., 1,
// 1.33352, ...). A quantile interpolated inside its bucket is off by a
// few percent for smooth distributions (tests/bench/metrics_bench); the
// observed minimum and maximum, kept beside the buckets, stop it from
// straying past the data in the edge buckets. Values at or below 1e-06 count in the first
// bucket, values above the last bound in the +Inf bucket.
#pragma once

#include <array>
#include <cstddef>

namespace dim::metrics {

inline constexpr int kBucketsPerDecade = 8;
// Bound i is 10^((i + kLowestExponent) / kBucketsPerDecade).
inline constexpr int kLowestExponent = -48;
inline constexpr size_t kNumBounds = 78;
// The finite buckets and the +Inf one.
inline constexpr size_t kNumBuckets = kNumBounds + 1;

using Bounds = std::array<double, kNumBounds>;

// The upper bounds, ascending; the +Inf bucket has none.
const Bounds& BucketBounds();

// The bucket `value` counts in: the first i with value <= bound i, or
// kNumBounds (+Inf) when it is above them all. NaN maps to kNumBounds;
// callers drop NaN before asking.
size_t BucketIndex(double value);

}  // namespace dim::metrics
