// The three job patterns, each turned into tasks for the dispatcher and
// its outputs combined into one result:
//   collaborative: one model over datasets held by several nodes, the
//     per-node outputs aggregated (mean, weighted mean, concatenation);
//   comparative: several models on one input, reconciled by a consensus
//     rule, with per-row agreement;
//   chained: a pipeline, each step's output the next step's input.
// Nothing here blocks: tasks run as RPCs in flight, and each completion
// starts what comes next.
#pragma once

#include <functional>
#include <memory>

#include "core/orchestrator/dispatcher.h"
#include "core/orchestrator/job_control.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::orchestrator {

using JobDone = std::function<void(Result<dim::v1::JobResult>)>;

// Starts the job; `done` is called exactly once with the result (the
// combined output and every part) or the first task error that retries
// could not fix. `dispatcher` must outlive the job.
void StartJob(const dim::v1::JobSpec& spec, Dispatcher* dispatcher,
              std::shared_ptr<JobControl> job, JobDone done);

}  // namespace dim::orchestrator
