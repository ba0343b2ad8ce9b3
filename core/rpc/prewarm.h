// `dimctl prewarm`: loading models on the nodes an orchestrator knows
// before the first task needs them. The plan is made from the
// orchestrator's node list; each node is then asked directly (its Prewarm
// RPC), all of them at once.
#pragma once

#include <string>
#include <vector>

#include "core/rpc/orchestrator_client.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::rpc {

// One model on one node.
struct PrewarmTarget {
  std::string node_id;
  std::string address;
  std::string model;
};

// Every ALIVE node among `nodes` that holds each of `models`, restricted
// to the ids in `only` when it is not empty. kInvalidArgument naming the
// model when no such node holds it, or the id when `only` names a node
// that is not ALIVE or not known.
Result<std::vector<PrewarmTarget>> PlanPrewarm(
    const std::vector<dim::v1::NodeEntry>& nodes,
    const std::vector<std::string>& models,
    const std::vector<std::string>& only);

struct PrewarmOutcome {
  PrewarmTarget target;
  bool ok = false;
  std::string error;  // why it did not load, or why the node was not reached
  int64_t load_us = 0;
};

// Asks every node of the plan to load its models, each node with one
// call, all nodes in parallel; `options` gives TLS and the deadline.
// Outcomes follow the order of `plan`.
std::vector<PrewarmOutcome> RunPrewarm(const std::vector<PrewarmTarget>& plan,
                                       const ClientOptions& options);

}  // namespace dim::rpc
