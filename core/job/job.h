// Job files: the TOML a person writes to describe a job, turned into the
// dim.v1.JobSpec that travels to the orchestrator, and the checks every
// JobSpec must pass wherever it came from.
//
// A job file names the job, picks a pattern and gives the section of that
// pattern (examples/jobs/ shows all three):
//
//   name = "ward-risk"         required, 1-64 of [A-Za-z0-9._-]
//   pattern = "collaborative"  collaborative | comparative | chained
//   priority = 5               0..9, higher runs first; default 5
//   timeout = "60s"            1s..24h; default: the server's
//   [input]                    comparative and chained only: inline
//                              `values` (+ `dtype`) or a `file`
//   [collaborative]            model, datasets, aggregation
//   [comparative]              models, consensus, weights
//   [[chained.steps]]          model, nodes
//
// All functions are pure apart from reading the files named; safe to call
// from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/config/config.h"
#include "core/tensor/limits.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::job {

// How large a job may be; the defaults are those of dim.toml's [limits].
struct JobLimits {
  int max_steps = 32;
  int max_models = 16;
  int max_datasets = 64;
  // Bytes in one model, dataset or node id.
  int max_id_length = 256;
};

JobLimits JobLimitsFrom(const config::LimitsConfig& limits);

// Reads and checks the job file at path; relative input files are found
// next to it, and spec.source is set to path. A missing job file is
// kNotFound. Every other mistake is reported as the first one found, as
// "path:line:column: field: what was expected", for example
//   job.toml:3:11: pattern: unknown pattern 'colaborative' (expected
//       collaborative, comparative or chained)
// Mistakes are kInvalidArgument, except that an input file keeps the code
// of dim::tensor::LoadTensorFile (kNotFound, kResourceExhausted) and a
// tensor over `tensor_limits` is kResourceExhausted.
Result<dim::v1::JobSpec> ParseJobFile(const std::string& path,
                                      const JobLimits& limits,
                                      const dim::tensor::Limits& tensor_limits);

// As ParseJobFile for text already in memory: source_name is used in
// messages and as spec.source, base_dir is the folder relative input files
// are found in ("" for the current directory).
Result<dim::v1::JobSpec> ParseJobText(std::string_view text,
                                      const std::string& source_name,
                                      const std::string& base_dir,
                                      const JobLimits& limits,
                                      const dim::tensor::Limits& tensor_limits);

// The same rules for a JobSpec that arrived over the wire, without
// positions: kInvalidArgument with a message naming the field
// ("comparative.weights: expected 3 weights, one per model, got 2"). The
// input tensor is checked for consistency (dtype, shape against data
// size), not against size limits: the receiver applies its own.
Status ValidateJobSpec(const dim::v1::JobSpec& spec, const JobLimits& limits);

}  // namespace dim::job
