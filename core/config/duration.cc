#include "core/config/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>

namespace dim::config {
namespace {

struct Unit {
  const char* suffix;
  int64_t milliseconds;
};

// Largest first, so that FormatDuration picks the coarsest exact unit.
constexpr Unit kUnits[] = {
    {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};

}  // namespace

bool ParseDuration(std::string_view text, std::chrono::milliseconds* out) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  if (digits == 0) return false;

  int64_t number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + digits,
                                      number);
  if (error != std::errc()) return false;

  std::string_view suffix = text.substr(digits);
  for (const Unit& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    if (number > std::numeric_limits<int64_t>::max() / unit.milliseconds) {
      return false;
    }
    *out = std::chrono::milliseconds(number * unit.milliseconds);
    return true;
  }
  return false;
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  int64_t ms = duration.count();
  for (const Unit& unit : kUnits) {
    if (ms != 0 && ms % unit.milliseconds == 0) {
      return std::to_string(ms / unit.milliseconds) + unit.suffix;
    }
  }
  return std::to_string(ms) + "ms";
}

}  // namespace dim::config
