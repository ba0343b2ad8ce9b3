// Writing key and certificate files so that a crash or a concurrent run
// never leaves a half-written key, and an existing file is replaced only
// when the caller says so.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/util/status.h"

namespace dim::security {

enum class Overwrite { kNo, kYes };

// Writes `content` to a temporary file next to `path` with `mode`, syncs
// it, then moves it into place: with Overwrite::kNo by link(2), which fails
// if `path` exists (kAlreadyExists, naming the file); with kYes by
// rename(2). Readers see the old file or the whole new one.
Status WriteFileAtomic(const std::string& path, const std::string& content,
                       mode_t mode, Overwrite overwrite);

// Fails with kAlreadyExists naming `path` if something is there.
Status CheckAbsent(const std::string& path);

// Creates `dir` and its missing parents; new directories get `mode`.
Status MakeDirs(const std::string& dir, mode_t mode);

// Reads a whole file; certificates and keys are small.
Result<std::string> ReadSmallFile(const std::string& path);

}  // namespace dim::security
