#include "core/rpc/prewarm.h"

#include <algorithm>
#include <future>
#include <map>

#include <grpcpp/grpcpp.h>

#include "core/rpc/credentials.h"
#include "dim/v1/dim.grpc.pb.h"

namespace dim::rpc {
namespace {

bool Holds(const dim::v1::NodeEntry& node, const std::string& model) {
  const auto& models = node.status().models();
  return std::any_of(models.begin(), models.end(),
                     [&](const auto& m) { return m.id() == model; });
}

const dim::v1::NodeEntry* Find(const std::vector<dim::v1::NodeEntry>& nodes,
                               const std::string& id) {
  for (const auto& node : nodes) {
    if (node.status().node_id() == id) return &node;
  }
  return nullptr;
}

// The models of one node, asked in one call.
std::vector<PrewarmOutcome> AskNode(const std::vector<PrewarmTarget>& mine,
                                    const ClientOptions& options) {
  auto stub =
      dim::v1::Node::NewStub(ClientChannel(mine.front().address, options));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + options.call_timeout);
  dim::v1::PrewarmRequest request;
  for (const auto& t : mine) request.add_models(t.model);
  dim::v1::PrewarmResponse response;
  grpc::Status st = stub->Prewarm(&ctx, request, &response);

  std::vector<PrewarmOutcome> out;
  for (const auto& t : mine) {
    PrewarmOutcome o;
    o.target = t;
    if (!st.ok()) {
      o.error = "cannot reach node " + t.node_id + " at " + t.address +
                ": " + ExplainTlsFailure(st.error_message());
    }
    for (const auto& r : response.results()) {
      if (r.model() != t.model) continue;
      o.ok = r.ok();
      o.error = r.error();
      o.load_us = r.load_us();
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

Result<std::vector<PrewarmTarget>> PlanPrewarm(
    const std::vector<dim::v1::NodeEntry>& nodes,
    const std::vector<std::string>& models,
    const std::vector<std::string>& only) {
  for (const auto& id : only) {
    const auto* node = Find(nodes, id);
    if (!node) return InvalidArgument("--node: no node '" + id + "' is known");
    if (node->state() != dim::v1::NODE_STATE_ALIVE) {
      return InvalidArgument("--node: node " + id + " is not ALIVE");
    }
  }
  std::vector<PrewarmTarget> plan;
  for (const auto& model : models) {
    size_t before = plan.size();
    for (const auto& node : nodes) {
      const std::string& id = node.status().node_id();
      bool chosen = only.empty() ||
                    std::find(only.begin(), only.end(), id) != only.end();
      if (!chosen || node.state() != dim::v1::NODE_STATE_ALIVE ||
          !Holds(node, model)) {
        continue;
      }
      plan.push_back({id, node.status().address(), model});
    }
    if (plan.size() == before) {
      return InvalidArgument("no ALIVE node" +
                             std::string(only.empty() ? "" : " of --node") +
                             " holds model '" + model + "'");
    }
  }
  return plan;
}

std::vector<PrewarmOutcome> RunPrewarm(const std::vector<PrewarmTarget>& plan,
                                       const ClientOptions& options) {
  std::map<std::string, std::vector<PrewarmTarget>> by_node;
  for (const auto& t : plan) by_node[t.node_id].push_back(t);
  std::vector<std::future<std::vector<PrewarmOutcome>>> calls;
  for (const auto& [id, mine] : by_node) {
    calls.push_back(std::async(std::launch::async, AskNode, mine, options));
  }
  std::vector<PrewarmOutcome> done;
  for (auto& call : calls) {
    for (auto& o : call.get()) done.push_back(std::move(o));
  }
  // Back in the order of the plan.
  std::vector<PrewarmOutcome> out;
  for (const auto& t : plan) {
    for (auto& o : done) {
      if (o.target.node_id == t.node_id && o.target.model == t.model) {
        out.push_back(o);
        break;
      }
    }
  }
  return out;
}

}  // namespace dim::rpc
