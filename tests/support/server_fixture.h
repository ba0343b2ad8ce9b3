// A real `dimctl serve` for end-to-end tests, on a free loopback port with
// its own job journal, stopped (SIGTERM) when destroyed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace dim::testing {

class DimServer {
 public:
  // Starts `dimctl serve --listen LISTEN --data-dir <temp> ARGS...`
  // and waits until it listens; fails the test (ADD_FAILURE) otherwise.
  explicit DimServer(std::vector<std::string> args = {},
                     std::map<std::string, std::string> env = {},
                     std::string data_dir = "",
                     const std::string& listen = "127.0.0.1:0");
  ~DimServer();

  bool ok() const { return !addr_.empty(); }
  const std::string& addr() const { return addr_; }
  const std::string& data_dir() const { return data_dir_; }
  Process& process() { return *process_; }

  // `dimctl --addr ADDR ARGS...`
  RunResult Cli(const std::vector<std::string>& args) const;

 private:
  std::unique_ptr<TempDir> temp_;
  std::string data_dir_;
  std::unique_ptr<Process> process_;
  std::string addr_;
};

}  // namespace dim::testing
