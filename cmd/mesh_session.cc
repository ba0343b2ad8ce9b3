#include "cmd/mesh_session.h"

namespace dim::cli {

void AddMeshFlags(CLI::App* cmd, MeshFlags* flags) {
  cmd->add_option("-c,--config", flags->config_path,
                  "dim.toml to read (env DIM_CONFIG)");
  cmd->add_option("--ipfs-api", flags->ipfs_api,
                  "Multiaddr of the IPFS daemon's API");
}

Result<config::Config> LoadMeshConfig(const MeshFlags& flags) {
  auto env = config::ProcessEnvironment();
  std::string path = flags.config_path;
  if (path.empty() && env.count("DIM_CONFIG")) path = env["DIM_CONFIG"];
  auto loaded = config::LoadConfig(path, env);
  if (!loaded.ok()) return loaded;
  if (!flags.ipfs_api.empty()) loaded->ipfs.api = flags.ipfs_api;
  return loaded;
}

std::unique_ptr<ipfs::Client> IpfsFrom(const config::Config& config) {
  ipfs::Options options;
  options.command = config.ipfs.command;
  options.api = config.ipfs.api;
  options.timeout = config.ipfs.timeout;
  return ipfs::NewKuboClient(options);
}

}  // namespace dim::cli
