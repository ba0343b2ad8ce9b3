// Loading the torch engine plugin, libdim_torch.so, at run time.
#pragma once

#include <memory>
#include <string>

#include "core/runtime/engine.h"
#include "core/util/status.h"

namespace dim::runtime {

// The name of the C function the plugin exports:
//   extern "C" dim::runtime::Engine* dim_create_torch_engine(int threads);
inline constexpr const char* kTorchEngineFactory = "dim_create_torch_engine";

// Opens the plugin and creates an engine. `torch_threads` > 0 sets the
// number of threads libtorch uses inside one operation; 0 keeps libtorch's
// default. The plugin stays loaded for the life of the process, since
// libtorch cannot be unloaded safely. Fails with kUnavailable naming the
// path and the loader's message when the plugin cannot be opened or does
// not export the factory.
Result<std::unique_ptr<Engine>> LoadTorchEngine(const std::string& plugin_path,
                                                int torch_threads);

// Where the plugin is expected: next to the running executable (a build
// tree), or else in ../lib/dimctl/ relative to it (an installed tree).
std::string DefaultPluginPath();

}  // namespace dim::runtime
