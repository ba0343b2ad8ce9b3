// dimctl register: announce a node record once on the IPFS heartbeat
// topic, for nodes that other tools supervise.
#include <algorithm>
#include <iostream>

#include "cmd/mesh_session.h"
#include "core/mesh/announce.h"
#include "core/runtime/describe.h"
#include "core/util/log.h"

namespace dim::cli {
namespace {

struct RegisterFlags {
  MeshFlags mesh;
  std::string node_id, address;
  std::vector<std::string> models, datasets;
  int capacity = 0;
};

// The record: flags first, then dim.toml's [node] section.
Result<dim::v1::NodeStatus> Record(const RegisterFlags& f,
                                   const config::Config& c) {
  dim::v1::NodeStatus status;
  if (f.models.empty() && f.datasets.empty()) {
    tensor::Limits limits{c.limits.max_tensor_bytes, c.limits.max_tensor_rank,
                          c.limits.max_tensor_elements};
    auto described =
        runtime::DescribeFolders(c.node.model_dir, c.node.dataset_dir, limits);
    if (!described.ok()) return described.status();
    status = std::move(described).value();
  }
  for (const auto& m : f.models) status.add_models()->set_id(m);
  for (const auto& d : f.datasets) status.add_datasets()->set_name(d);

  status.set_node_id(f.node_id.empty() ? c.node.id : f.node_id);
  status.set_address(f.address.empty() ? c.node.advertise : f.address);
  status.set_capacity(f.capacity > 0 ? f.capacity
                                     : c.node.max_concurrent_tasks);
  status.set_version(DIMCTL_VERSION);
  if (status.node_id().empty()) {
    return InvalidArgument("register: --node-id is required (or node.id "
                           "in dim.toml)");
  }
  if (status.address().empty()) {
    return InvalidArgument("register: --address is required (or "
                           "node.advertise in dim.toml)");
  }
  return status;
}

int RunRegister(const Globals& g, const RegisterFlags& f) {
  auto config = LoadMeshConfig(f.mesh);
  if (!config.ok()) return ReportError(config.status());
  auto record = Record(f, *config);
  if (!record.ok()) return ReportError(record.status());
  // A failure is the error message; the log would only repeat it.
  log::SetLevel(std::max(config->log.level, log::Level::kError));
  auto ipfs = IpfsFrom(*config);
  Status sent =
      mesh::Announce(ipfs.get(), *record, config->node.heartbeat_interval);
  if (!sent.ok()) return ReportError(sent);
  if (!g.quiet) {
    std::cout << "announced node " << record->node_id() << " at "
              << record->address() << " (" << record->models_size()
              << " models, " << record->datasets_size() << " datasets)\n";
  }
  return kExitOk;
}

}  // namespace

void AddRegisterCommand(CLI::App* cmd, const Globals* globals,
                        Runner* runner) {
  auto f = std::make_shared<RegisterFlags>();
  AddMeshFlags(cmd, &f->mesh);
  cmd->add_option("--node-id", f->node_id, "The node's id (node.id)");
  cmd->add_option("--address", f->address,
                  "HOST:PORT orchestrators dial (node.advertise)");
  cmd->add_option("--model", f->models,
                  "A model the node serves; repeatable (default: "
                  "node.model_dir)");
  cmd->add_option("--dataset", f->datasets,
                  "A dataset the node holds; repeatable (default: "
                  "node.dataset_dir)");
  cmd->add_option("--capacity", f->capacity,
                  "Tasks it runs at once (node.max_concurrent_tasks)");
  cmd->callback([=] {
    *runner = [=] { return RunRegister(*globals, *f); };
  });
}

}  // namespace dim::cli
