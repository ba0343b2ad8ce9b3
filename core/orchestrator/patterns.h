// The three job patterns, each turned into tasks for the dispatcher and
// its outputs combined into one result:
//   collaborative: one model over datasets held by several nodes, the
//     per-node outputs aggregated (mean, weighted mean, concatenation);
//   comparative: several models on one input, reconciled by a consensus
//     rule, with per-row agreement;
//   chained: a pipeline, each step's output the next step's input.
#pragma once

#include "core/orchestrator/dispatcher.h"
#include "core/orchestrator/job_control.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

// Runs the job to completion; the result carries the combined output and
// every part. Fails with the first task error that retries could not fix.
Result<dim::v1::JobResult> RunJob(const dim::v1::JobSpec& spec,
                                  Dispatcher* dispatcher, JobControl* job);

}  // namespace dim::orchestrator
