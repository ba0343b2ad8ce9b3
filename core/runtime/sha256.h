// SHA-256 digests of model files, so that a node runs exactly the model
// its manifest names.
#pragma once

#include <string>

#include "core/util/status.h"

namespace dim::runtime {

// The digest of the file's contents as 64 lowercase hex digits. Fails with
// kNotFound or kInternal naming the path when it cannot be read.
Result<std::string> Sha256OfFile(const std::string& path);

}  // namespace dim::runtime
