// dimctl prewarm MODEL... [--node ID]...: load models on the nodes that
// hold them before the first task does.
#include <cstdio>
#include <iostream>

#include "cmd/cli.h"
#include "cmd/json_writer.h"
#include "cmd/session.h"
#include "core/rpc/prewarm.h"

namespace dim::cli {
namespace {

struct PrewarmFlags {
  std::vector<std::string> models;
  std::vector<std::string> nodes;
};

// Loading a large model takes a while; an unreachable node should not.
constexpr std::chrono::minutes kPrewarmTimeout{5};

std::string Millis(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", us / 1000.0);
  return buf;
}

void Print(const Globals& g, const std::vector<rpc::PrewarmOutcome>& done) {
  if (g.output == Output::kJson) {
    JsonWriter w;
    w.BeginArray();
    for (const auto& o : done) {
      w.BeginObject();
      w.Key("node").String(o.target.node_id);
      w.Key("model").String(o.target.model);
      w.Key("ok").Bool(o.ok);
      w.Key("error").String(o.error);
      w.Key("load_us").Int(o.load_us);
      w.EndObject();
    }
    w.EndArray();
    std::cout << w.str() << "\n";
    return;
  }
  for (const auto& o : done) {
    if (g.quiet && o.ok) continue;
    std::cout << o.target.node_id << "  " << o.target.model << "  "
              << (o.ok ? "loaded in " + Millis(o.load_us) : o.error) << "\n";
  }
}

int RunPrewarm(const PrewarmFlags& f, const Globals& g) {
  auto client = Connect(g);
  if (!client.ok()) return ReportError(client.status());
  auto nodes = client->ListNodes();
  if (!nodes.ok()) return ReportError(nodes.status());
  auto plan = rpc::PlanPrewarm(*nodes, f.models, f.nodes);
  if (!plan.ok()) {
    return ReportError(plan.status().WithContext("orchestrator at " +
                                                 g.addr));
  }
  auto options = ClientOptionsFromEnv();
  if (!options.ok()) return ReportError(options.status());
  options->call_timeout = kPrewarmTimeout;
  auto done = rpc::RunPrewarm(*plan, *options);
  Print(g, done);
  int failed = 0;
  for (const auto& o : done) failed += o.ok ? 0 : 1;
  if (failed == 0) return kExitOk;
  return ReportError(Status(Code::kInternal,
                            std::to_string(failed) + " of " +
                                std::to_string(done.size()) +
                                " models did not load"));
}

}  // namespace

void AddPrewarmCommand(CLI::App* cmd, const Globals* globals,
                       Runner* runner) {
  auto f = std::make_shared<PrewarmFlags>();
  cmd->add_option("models", f->models, "Model ids")->required();
  cmd->add_option("--node", f->nodes,
                  "Only these nodes (default: every ALIVE node holding "
                  "the model)")
      ->type_name("ID");
  cmd->callback([=] { *runner = [=] { return RunPrewarm(*f, *globals); }; });
}

}  // namespace dim::cli
