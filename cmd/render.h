// How jobs, nodes and tensors look on a terminal (tables) and to scripts
// (JSON). JSON field names are part of the CLI's contract.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cmd/json_writer.h"
#include "dim/v1/dim.pb.h"

namespace dim::cli {

std::string StateName(dim::v1::JobState state);
std::string NodeStateName(dim::v1::NodeState state);
std::string PatternName(dim::v1::Pattern pattern);

void WriteJob(JsonWriter* w, const dim::v1::Job& job);
void WriteNode(JsonWriter* w, const dim::v1::NodeEntry& node);
void WriteOrchestrator(JsonWriter* w, const dim::v1::OrchestratorEntry& o);
void WriteTensor(JsonWriter* w, const dim::v1::Tensor& tensor);

// One line per job: ID, NAME, PATTERN, STATE, AGE, REASON.
void PrintJobList(std::ostream& out, const std::vector<dim::v1::Job>& jobs);
// Everything about one job, with its result when it has one.
void PrintJob(std::ostream& out, const dim::v1::Job& job);
void PrintNodeList(std::ostream& out,
                   const std::vector<dim::v1::NodeEntry>& nodes);
void PrintNode(std::ostream& out, const dim::v1::NodeEntry& node);
void PrintOrchestratorList(
    std::ostream& out,
    const std::vector<dim::v1::OrchestratorEntry>& orchestrators);

}  // namespace dim::cli
