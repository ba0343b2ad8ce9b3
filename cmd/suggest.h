// "Did you mean" for mistyped command names.
#pragma once

#include <string>
#include <vector>

#include "cmd/cli.h"

namespace dim::cli {

// The command name nearest to `word` by edit distance, or "" when none is
// close enough to be a plausible typo.
std::string Suggest(const std::string& word,
                    const std::vector<Command>& commands);

}  // namespace dim::cli
