#include "core/metrics/buckets.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace dim::metrics {
namespace {

// Rounding to 6 significant digits makes the bounds the same wherever
// they are computed, whatever the last bit of the local pow() is, and
// keeps their printed form short.
Bounds MakeBounds() {
  Bounds bounds{};
  for (size_t i = 0; i < kNumBounds; ++i) {
    double exponent = (static_cast<double>(i) + kLowestExponent) /
                      kBucketsPerDecade;
    char text[32];
    auto end = std::to_chars(text, text + sizeof text,
                             std::pow(10.0, exponent),
                             std::chars_format::general, 6).ptr;
    std::from_chars(text, end, bounds[i]);
  }
  return bounds;
}

constexpr double kLog10Of2 = 0.30102999566398120;

}  // namespace

const Bounds& BucketBounds() {
  static const Bounds bounds = MakeBounds();
  return bounds;
}

size_t BucketIndex(double value) {
  const Bounds& b = BucketBounds();
  if (!(value > b[0])) return value <= b[0] ? 0 : kNumBounds;
  if (value > b[kNumBounds - 1]) return kNumBounds;
  // log2 straight from the IEEE-754 bits: the exponent plus the mantissa
  // read as a fraction. That is below the true log2 by at most 0.09, so
  // the guess lands at most two buckets low, and the loops below walk the
  // rest of the way without a call to log().
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  double fraction = static_cast<double>(bits & ((uint64_t{1} << 52) - 1)) /
                    static_cast<double>(uint64_t{1} << 52);
  double guess = (exponent + fraction) * kLog10Of2 * kBucketsPerDecade -
                 kLowestExponent;
  size_t i = guess <= 0 ? 0 : static_cast<size_t>(guess);
  if (i >= kNumBounds) i = kNumBounds - 1;
  while (i > 0 && value <= b[i - 1]) --i;
  while (value > b[i]) ++i;
  return i;
}

}  // namespace dim::metrics
