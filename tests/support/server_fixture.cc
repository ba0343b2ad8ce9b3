#include "tests/support/server_fixture.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace dim::testing {

DimServer::DimServer(std::vector<std::string> args,
                     std::map<std::string, std::string> env,
                     std::string data_dir, const std::string& listen) {
  if (data_dir.empty()) {
    temp_ = std::make_unique<TempDir>();
    data_dir = temp_->path();
  }
  data_dir_ = data_dir;
  std::vector<std::string> argv{DimctlPath(), "serve", "--listen", listen,
                                "--data-dir", data_dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<Process>(argv, env);
  const std::string marker = "serving on ";
  if (!process_->WaitForOutput(marker, std::chrono::seconds(30))) {
    ADD_FAILURE() << "dimctl serve did not start; stderr:\n"
                  << process_->Stderr();
    return;
  }
  std::string out = process_->Stdout();
  size_t start = out.find(marker) + marker.size();
  addr_ = out.substr(start, out.find('\n', start) - start);
}

DimServer::~DimServer() { process_->Stop(SIGTERM); }

RunResult DimServer::Cli(const std::vector<std::string>& args) const {
  std::vector<std::string> full{"--addr", addr_};
  full.insert(full.end(), args.begin(), args.end());
  return Dimctl(full);
}

}  // namespace dim::testing
