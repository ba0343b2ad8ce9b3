// What the fuzz targets share: a check that stops the run with a message
// when a decoder breaks one of its own promises. libFuzzer treats the
// abort as a crash and saves the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/util/status.h"

namespace dim::fuzz {

// An invariant the decoder states in its header did not hold.
[[noreturn]] inline void Broken(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

inline void MustBeOk(const Status& status, const std::string& what) {
  if (!status.ok()) Broken(what + ": " + status.message());
}

}  // namespace dim::fuzz
