// dimctl discover: listen through the local IPFS daemon and list the
// nodes and orchestrators heard, without asking any orchestrator.
#include <algorithm>
#include <iostream>

#include "cmd/mesh_session.h"
#include "cmd/render.h"
#include "core/mesh/announce.h"
#include "core/util/log.h"

namespace dim::cli {
namespace {

struct DiscoverFlags {
  MeshFlags mesh;
  double timeout_s = 3;
};

void PrintJson(const mesh::Heard& heard) {
  JsonWriter w;
  w.BeginObject();
  w.Key("nodes").BeginArray();
  for (const auto& node : heard.nodes) WriteNode(&w, node);
  w.EndArray();
  w.Key("orchestrators").BeginArray();
  for (const auto& o : heard.orchestrators) WriteOrchestrator(&w, o);
  w.EndArray();
  w.Key("rejected").Int(static_cast<int64_t>(heard.rejected));
  w.EndObject();
  std::cout << w.str() << "\n";
}

int RunDiscover(const Globals& g, const DiscoverFlags& f) {
  auto config = LoadMeshConfig(f.mesh);
  if (!config.ok()) return ReportError(config.status());
  // What is heard is the output here, and a failure is the error
  // message: the log would only repeat them.
  log::SetLevel(std::max(config->log.level, log::Level::kError));
  mesh::LivenessPolicy policy;
  policy.suspect_after = config->discovery.suspect_after;
  policy.dead_after = config->discovery.dead_after;
  policy.default_interval = config->node.heartbeat_interval;

  auto ipfs = IpfsFrom(*config);
  auto duration = std::chrono::milliseconds(
      static_cast<int64_t>(f.timeout_s * 1000));
  auto heard = mesh::Discover(ipfs.get(), duration, policy);
  if (!heard.ok()) return ReportError(heard.status());

  if (g.output == Output::kJson) {
    PrintJson(*heard);
  } else if (g.quiet) {
    for (const auto& n : heard->nodes) std::cout << n.status().node_id() << "\n";
  } else {
    PrintNodeList(std::cout, heard->nodes);
    std::cout << "\n";
    PrintOrchestratorList(std::cout, heard->orchestrators);
  }
  return kExitOk;
}

}  // namespace

void AddDiscoverCommand(CLI::App* cmd, const Globals* globals,
                        Runner* runner) {
  auto f = std::make_shared<DiscoverFlags>();
  AddMeshFlags(cmd, &f->mesh);
  cmd->add_option("--timeout", f->timeout_s,
                  "Seconds to listen (default 3)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->callback([=] {
    *runner = [=] { return RunDiscover(*globals, *f); };
  });
}

}  // namespace dim::cli
