// dimctl node ls | show ID
#include <iostream>

#include "cmd/cli.h"
#include "cmd/render.h"
#include "cmd/session.h"

namespace dim::cli {
namespace {

int ListNodes(const Globals& g) {
  auto client = Connect(g);
  if (!client.ok()) return ReportError(client.status());
  auto nodes = client->ListNodes();
  if (!nodes.ok()) return ReportError(nodes.status());
  if (g.output == Output::kJson) {
    JsonWriter w;
    w.BeginArray();
    for (const auto& node : *nodes) WriteNode(&w, node);
    w.EndArray();
    std::cout << w.str() << "\n";
  } else if (g.quiet) {
    for (const auto& n : *nodes) std::cout << n.status().node_id() << "\n";
  } else {
    PrintNodeList(std::cout, *nodes);
  }
  return kExitOk;
}

int ShowNode(const Globals& g, const std::string& id) {
  auto client = Connect(g);
  if (!client.ok()) return ReportError(client.status());
  auto nodes = client->ListNodes();
  if (!nodes.ok()) return ReportError(nodes.status());
  for (const auto& node : *nodes) {
    if (node.status().node_id() != id) continue;
    if (g.output == Output::kJson) {
      JsonWriter w;
      WriteNode(&w, node);
      std::cout << w.str() << "\n";
    } else {
      PrintNode(std::cout, node);
    }
    return kExitOk;
  }
  return ReportError(NotFound("orchestrator at " + g.addr +
                              " knows no node '" + id + "'"));
}

}  // namespace

void AddNodeCommand(CLI::App* cmd, const Globals* globals, Runner* runner) {
  cmd->require_subcommand(1);
  auto id = std::make_shared<std::string>();
  CLI::App* ls = cmd->add_subcommand("ls", "List nodes with state and load");
  ls->callback([=] { *runner = [=] { return ListNodes(*globals); }; });
  CLI::App* show = cmd->add_subcommand("show", "Show one node");
  show->add_option("id", *id, "Node id")->required();
  show->callback([=] { *runner = [=] { return ShowNode(*globals, *id); }; });
}

}  // namespace dim::cli
