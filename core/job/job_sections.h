// The parts of a job file below the top level, private to core/job. Each
// function reads one table through a TableReader, so its errors carry
// positions in the job file; see job.h for the format.
#pragma once

#include <string>

#include "core/config/toml_reader.h"
#include "core/job/job.h"
#include "core/tensor/limits.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::job {

// [input]: inline `values` with an optional `dtype`, or a `file` found
// relative to base_dir.
Status ParseInput(const config::TableReader& input,
                  const std::string& base_dir,
                  const dim::tensor::Limits& limits, dim::v1::Tensor* out);

Status ParseCollaborative(const config::TableReader& section,
                          const JobLimits& limits,
                          dim::v1::CollaborativeSpec* out);
Status ParseComparative(const config::TableReader& section,
                        const JobLimits& limits,
                        dim::v1::ComparativeSpec* out);
Status ParseChained(const config::TableReader& section,
                    const JobLimits& limits, dim::v1::ChainedSpec* out);

}  // namespace dim::job
