#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace dim::testing {
namespace {

using Clock = std::chrono::steady_clock;

pid_t Spawn(const std::vector<std::string>& argv,
            const std::map<std::string, std::string>& env,
            const std::string& out, const std::string& err) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  setpgid(0, 0);
  int in = open("/dev/null", O_RDONLY);
  int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(in, 0);
  dup2(o, 1);
  dup2(e, 2);
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

std::string TempPath(const std::string& prefix) {
  static int counter = 0;
  return (std::filesystem::temp_directory_path() /
          (prefix + std::to_string(getpid()) + "-" +
           std::to_string(++counter)))
      .string();
}

int Decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

}  // namespace

std::string DimctlPath() {
  const char* p = std::getenv("DIMCTL_BIN");
  return p ? p : DIMCTL_DEFAULT_BIN;
}

std::string ExamplesDir() {
  const char* p = std::getenv("DIMCTL_EXAMPLES");
  return p ? p : DIMCTL_DEFAULT_EXAMPLES;
}

std::string SourceExamplesDir() { return DIMCTL_SOURCE_DIR "/examples"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

RunResult Run(const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& env,
              std::chrono::milliseconds timeout) {
  std::string out = TempPath("dimtest-out-"), err = TempPath("dimtest-err-");
  pid_t pid = Spawn(argv, env, out, err);
  RunResult result;
  auto deadline = Clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.exit_code = status == -1 ? -1 : Decode(status);
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return result;
}

RunResult Dimctl(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{DimctlPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, env);
}

Process::Process(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& env)
    : out_path_(TempPath("dimproc-out-")), err_path_(TempPath("dimproc-err-")) {
  pid_ = Spawn(argv, env, out_path_, err_path_);
}

Process::~Process() {
  if (Running()) Stop(SIGKILL);
  std::filesystem::remove(out_path_);
  std::filesystem::remove(err_path_);
}

bool Process::Running() {
  if (exited_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

bool Process::WaitForOutput(const std::string& text,
                            std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (Stdout().find(text) != std::string::npos) return true;
    if (!Running()) return Stdout().find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string Process::Stdout() const { return ReadFile(out_path_); }
std::string Process::Stderr() const { return ReadFile(err_path_); }

int Process::Stop(int signal, std::chrono::milliseconds timeout) {
  if (Running()) {
    kill(pid_, signal);
    auto deadline = Clock::now() + timeout;
    while (Running() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (Running()) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      exited_ = true;
    }
  }
  return Decode(status_);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() /
                      "dimtest-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  path_ = mkdtemp(buf.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace dim::testing
