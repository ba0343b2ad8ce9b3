#include "core/runtime/engine_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <string>

namespace dim::runtime {

namespace {

using Factory = Engine* (*)(int);

std::string ExecutableDir() {
  std::string buffer(4096, '\0');
  ssize_t n = readlink("/proc/self/exe", buffer.data(), buffer.size());
  if (n <= 0) return ".";
  buffer.resize(static_cast<size_t>(n));
  size_t slash = buffer.rfind('/');
  if (slash == std::string::npos) return ".";
  return buffer.substr(0, slash);
}

std::string LastDlError() {
  const char* message = dlerror();
  return message ? message : "unknown error";
}

bool FileExists(const std::string& path) {
  return access(path.c_str(), F_OK) == 0;
}

}  // namespace

Result<std::unique_ptr<Engine>> LoadTorchEngine(const std::string& plugin_path,
                                                int torch_threads) {
  // Never closed: libtorch registers global state that does not survive
  // being unloaded, and engines may outlive any handle we would keep.
  void* handle = dlopen(plugin_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return Unavailable("cannot load torch engine plugin " + plugin_path +
                       ": " + LastDlError());
  }

  dlerror();
  auto factory =
      reinterpret_cast<Factory>(dlsym(handle, kTorchEngineFactory));
  if (factory == nullptr) {
    return Unavailable("torch engine plugin " + plugin_path +
                       " does not export " + kTorchEngineFactory + ": " +
                       LastDlError());
  }

  std::unique_ptr<Engine> engine(factory(torch_threads));
  if (!engine) {
    return Unavailable("torch engine plugin " + plugin_path +
                       " failed to create an engine");
  }
  return engine;
}

std::string DefaultPluginPath() {
  std::string dir = ExecutableDir();
  std::string beside = dir + "/libdim_torch.so";
  if (FileExists(beside)) return beside;
  return dir + "/../lib/dimctl/libdim_torch.so";
}

}  // namespace dim::runtime
