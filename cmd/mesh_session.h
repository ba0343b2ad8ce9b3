// What the commands that talk to the local IPFS daemon instead of an
// orchestrator (register, discover) share: reading dim.toml for the
// [ipfs] and [discovery] settings, and the flags that override them.
#pragma once

#include <memory>
#include <string>

#include "cmd/cli.h"
#include "core/config/config.h"
#include "core/ipfs/client.h"

namespace dim::cli {

struct MeshFlags {
  std::string config_path;  // -c/--config, or DIM_CONFIG
  std::string ipfs_api;     // --ipfs-api, over [ipfs] api
};

void AddMeshFlags(CLI::App* cmd, MeshFlags* flags);
Result<config::Config> LoadMeshConfig(const MeshFlags& flags);
std::unique_ptr<ipfs::Client> IpfsFrom(const config::Config& config);

}  // namespace dim::cli
