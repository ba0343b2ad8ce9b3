// Runs the real dimctl binary (or any program) from tests: one-shot
// commands with their output and exit code, and long-running servers that
// are stopped when the handle goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace dim::testing {

struct RunResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string out;
  std::string err;
};

// The dimctl under test and the generated examples: those of this build
// tree, unless $DIMCTL_BIN or $DIMCTL_EXAMPLES name others.
std::string DimctlPath();
std::string ExamplesDir();
// The repository's examples/ folder (job files).
std::string SourceExamplesDir();

// Runs a command to completion with extra environment variables; stdin is
// /dev/null. Kills it after `timeout`.
RunResult Run(const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& env = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(60));
RunResult Dimctl(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {});

// A background process whose stdout and stderr go to files.
class Process {
 public:
  Process(const std::vector<std::string>& argv,
          const std::map<std::string, std::string>& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Waits until stdout contains `text`; false on timeout or exit.
  bool WaitForOutput(const std::string& text,
                     std::chrono::milliseconds timeout);
  std::string Stdout() const;
  std::string Stderr() const;
  // Sends a signal and waits for exit; returns the exit code (or -signal).
  int Stop(int signal, std::chrono::milliseconds timeout =
                           std::chrono::seconds(20));
  bool Running();

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
  int status_ = 0;
  bool exited_ = false;
};

// A temporary directory removed with its contents at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);

}  // namespace dim::testing
