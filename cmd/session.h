// Client-side helpers shared by the commands that talk to an
// orchestrator: connecting, waiting for a job, printing a job.
#pragma once

#include "cmd/cli.h"
#include "core/job/job.h"
#include "core/rpc/orchestrator_client.h"
#include "core/tensor/limits.h"

namespace dim::cli {

// How to reach a server: TLS from DIM_CACERT (and DIM_CERT, DIM_KEY for
// mutual TLS) and the bearer token DIM_TOKEN. kInvalidArgument naming the
// variable when they do not fit together or a file cannot be read.
Result<rpc::ClientOptions> ClientOptionsFromEnv();

// A client of the orchestrator at --addr, with TLS from DIM_CACERT (and
// DIM_CERT, DIM_KEY for mutual TLS) and the bearer token DIM_TOKEN.
// kInvalidArgument naming the variable when they do not fit together or
// a file cannot be read.
Result<rpc::OrchestratorClient> Connect(const Globals& g);

// The limits a client checks job files against before sending them: the
// defaults of dim.toml (the server checks its own configured ones again).
job::JobLimits ClientJobLimits();
tensor::Limits ClientTensorLimits();

// Follows the job to its end; in table mode without -q, each new state is
// reported on stderr as it happens.
Result<dim::v1::Job> WaitForJob(rpc::OrchestratorClient* client,
                                const Globals& g, const std::string& id);

void PrintAccepted(const Globals& g, const dim::v1::SubmitJobResponse& r);
// The finished job: JSON object, or a table (just the id and state with
// -q).
void PrintFinished(const Globals& g, const dim::v1::Job& job);

}  // namespace dim::cli
