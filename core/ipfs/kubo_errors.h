// What a failed `ipfs` command means. Kubo reports errors only as text on
// stderr ("Error: ..."), so the Status code is chosen from that text; the
// text itself is kept in the message. Not part of the public API of
// core/ipfs.
#pragma once

#include <string>

#include "core/ipfs/command.h"
#include "core/util/status.h"

namespace dim::ipfs {

// For a command that exited non-zero (or zero with nothing useful):
// "LABEL: <trimmed stderr>" or "LABEL: exited with status N".
Status CommandFailure(const std::string& label, const CommandOutput& output);

// Removes surrounding whitespace.
std::string Trim(const std::string& text);

}  // namespace dim::ipfs
