// Durations as written in dim.toml, job files and DIM_* variables: a whole
// number followed by a unit, "500ms", "30s", "5m" or "1h".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace dim::config {

// Returns false (leaving *out untouched) for anything but <digits><unit>
// with unit ms, s, m or h, or for a value too large to represent.
bool ParseDuration(std::string_view text, std::chrono::milliseconds* out);

// The inverse of ParseDuration, in the largest unit that divides the
// duration exactly: 300000ms -> "5m", 1500ms -> "1500ms".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace dim::config
