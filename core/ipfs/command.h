// Starting the `ipfs` program: the only place in dimctl that creates
// processes. Not part of the public API of core/ipfs; KuboClient and
// the pubsub subscription use it.
//
// A child gets fresh pipes as stdin, stdout and stderr and nothing else:
// every other descriptor is closed before exec, no shell sees the
// arguments, it runs in a process group of its own (so that killing it also
// kills anything a wrapper script started). Children are made with
// posix_spawn, never fork: no pthread_atfork handler runs (OpenBLAS has
// one that would hang a model running on another thread). Should dimctl
// itself die, a child's pipes close: `ipfs pubsub sub` ends at its next
// message (SIGPIPE) and one-shot commands finish on their own. Every child
// is reaped; none is left as a zombie.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace dim::ipfs {

class Child {
 public:
  // Starts argv[0] (a path, or a name looked up on PATH). Fails with
  // Unavailable "cannot run 'NAME' (REASON[; hint])" when the program is
  // missing or cannot be executed; `hint` tells the user what to change.
  static Result<std::unique_ptr<Child>> Start(
      const std::vector<std::string>& argv, const std::string& hint = "");
  ~Child();  // kills the process group and reaps the child if needed
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Non-blocking descriptors of the parent's pipe ends; -1 once closed.
  int stdin_fd() const { return in_; }
  int stdout_fd() const { return out_; }
  int stderr_fd() const { return err_; }
  void CloseStdin();
  void CloseStdout();
  void CloseStderr();

  // SIGKILL to the child's process group; harmless once it was reaped.
  void Kill();
  // Reaps without blocking; true (and *exit_code set) once it exited.
  // exit_code is the exit status, or -N when killed by signal N.
  bool TryWait(int* exit_code);
  // Reaps, waiting until `deadline` at most; false if still running then.
  bool WaitUntil(std::chrono::steady_clock::time_point deadline,
                 int* exit_code);
  int Wait();

 private:
  Child(pid_t pid, int in, int out, int err)
      : pid_(pid), in_(in), out_(out), err_(err) {}

  pid_t pid_;
  int in_, out_, err_;
  bool reaped_ = false;
  int exit_code_ = -1;
};

struct CommandOutput {
  int exit_code = -1;  // as Child::TryWait
  std::string out;
  std::string err;  // at most kMaxStderrBytes; the rest is dropped
};

struct CommandRequest {
  std::vector<std::string> argv;
  std::string input;  // written to stdin, which is then closed
  std::chrono::milliseconds timeout{10000};
  size_t max_output = 64 << 20;  // stdout bytes beyond this are an error
  std::string hint;              // see Child::Start
};

constexpr size_t kMaxStderrBytes = 64 << 10;

// Appends what can be read now from the non-blocking `fd` to `into`, but
// lets `into` grow to `limit` bytes at most. Returns the count read
// (including bytes dropped for the limit), 0 at end of file or on an
// error, and -1 when nothing was ready.
long ReadAvailable(int fd, std::string* into, size_t limit);

// Runs a command to completion. A non-zero exit is not an error here (the
// caller reads `err` to say why); errors are: Unavailable when the program
// cannot be started, DeadlineExceeded "timed out after 10s" when the
// timeout passed, ResourceExhausted when stdout exceeded max_output. In the
// last two cases the child was killed and reaped before returning.
// Thread-safe; blocks the calling thread.
Result<CommandOutput> RunCommand(const CommandRequest& request);

// "10s", "1.5s", "250ms": for messages.
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace dim::ipfs
