#include "core/ipfs/command.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace dim::ipfs {
namespace {

using Clock = std::chrono::steady_clock;

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

// Looks `name` up on PATH as execvp would; a name with a slash is taken
// as given. Done before fork because the child may only make
// async-signal-safe calls. Empty when nothing executable was found.
std::string FindProgram(const std::string& name) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(begin, end - begin);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutableFile(candidate)) return candidate;
    begin = end + 1;
  }
  return "";
}

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// The pipe ends each side keeps; [0] read, [1] write.
struct Pipes {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};

  ~Pipes() {
    for (int* p : {in, out, err}) {
      CloseFd(&p[0]);
      CloseFd(&p[1]);
    }
  }
  bool Open() {
    for (int* p : {in, out, err}) {
      if (pipe2(p, O_CLOEXEC) != 0) return false;
    }
    return true;
  }
};

// What the child gets between its creation and exec: the pipes on 0, 1
// and 2 and no other descriptor (others that threads opened without
// O_CLOEXEC must not leak into the daemon's client), a process group of
// its own so that a timeout kills whatever it started, no blocked
// signals, and SIGPIPE at its default.
class SpawnSetup {
 public:
  explicit SpawnSetup(const Pipes& p) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_adddup2(&actions_, p.in[0], 0);
    posix_spawn_file_actions_adddup2(&actions_, p.out[1], 1);
    posix_spawn_file_actions_adddup2(&actions_, p.err[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&actions_, 3);

    posix_spawnattr_init(&attr_);
    sigset_t none, pipe;
    sigemptyset(&none);
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &pipe);
    posix_spawnattr_setpgroup(&attr_, 0);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETPGROUP |
                                         POSIX_SPAWN_SETSIGMASK |
                                         POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }

  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

// Blocks SIGPIPE in this thread while writing to a child's stdin, so that
// a child which exits early makes write() fail with EPIPE instead of
// killing dimctl. A SIGPIPE raised meanwhile is consumed at the end.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      struct timespec zero = {0, 0};
      while (sigtimedwait(&set_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t set_, old_;
  bool was_pending_ = false;
};

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

}  // namespace

Result<std::unique_ptr<Child>> Child::Start(
    const std::vector<std::string>& argv, const std::string& hint) {
  std::string name = argv.empty() ? "" : argv[0];
  auto fail = [&](const std::string& reason) {
    return Unavailable("cannot run '" + name + "' (" + reason +
                       (hint.empty() ? "" : "; " + hint) + ")");
  };
  std::string path = FindProgram(name);
  if (path.empty()) return fail("not found");

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  Pipes p;
  if (!p.Open()) return fail(std::string("pipe: ") + strerror(errno));

  // posix_spawn rather than fork: it runs no pthread_atfork handlers.
  // OpenBLAS installs one that stops its worker threads, which leaves a
  // matrix product running on another thread (a node's model) spinning
  // forever. It also copies no page tables of a large process.
  SpawnSetup setup(p);
  pid_t pid = -1;
  int error = posix_spawn(&pid, path.c_str(), setup.actions(), setup.attr(),
                          args.data(), environ);
  if (error != 0) return fail(error == ENOENT ? "not found" : strerror(error));

  std::unique_ptr<Child> child(new Child(pid, p.in[1], p.out[0], p.err[0]));
  p.in[1] = p.out[0] = p.err[0] = -1;  // now owned by the Child
  for (int fd : {child->in_, child->out_, child->err_}) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return child;
}

Child::~Child() {
  CloseStdin();
  CloseStdout();
  CloseStderr();
  if (!reaped_) {
    Kill();
    Wait();
  }
}

void Child::CloseStdin() { CloseFd(&in_); }
void Child::CloseStdout() { CloseFd(&out_); }
void Child::CloseStderr() { CloseFd(&err_); }

void Child::Kill() {
  // Until reaped, the pid (and so the group id) cannot be reused.
  if (reaped_) return;
  if (kill(-pid_, SIGKILL) != 0) kill(pid_, SIGKILL);
}

bool Child::TryWait(int* exit_code) {
  if (!reaped_) {
    int status = 0;
    pid_t r;
    do {
      r = waitpid(pid_, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return false;
    reaped_ = true;
    exit_code_ = r == pid_ ? DecodeWaitStatus(status) : -1;
  }
  *exit_code = exit_code_;
  return true;
}

bool Child::WaitUntil(Clock::time_point deadline, int* exit_code) {
  auto pause = std::chrono::microseconds(50);
  while (!TryWait(exit_code)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2,
                                                std::chrono::milliseconds(5));
  }
  return true;
}

int Child::Wait() {
  if (!reaped_) {
    int status = 0;
    pid_t r;
    do {
      r = waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    reaped_ = true;
    exit_code_ = r == pid_ ? DecodeWaitStatus(status) : -1;
  }
  return exit_code_;
}

long ReadAvailable(int fd, std::string* into, size_t limit) {
  char buf[65536];
  ssize_t n;
  do {
    n = read(fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : 0;
  size_t room = limit - std::min(limit, into->size());
  into->append(buf, std::min(room, static_cast<size_t>(n)));
  return static_cast<long>(n);
}

namespace {

// Moves bytes between RunCommand and its child until both output pipes
// are closed, the deadline passes, or stdout grows too large.
class Pump {
 public:
  Pump(Child* child, const CommandRequest& request, CommandOutput* output)
      : child_(child), request_(request), output_(output) {}

  // Ok when both output pipes reached end of file.
  Status Run(Clock::time_point deadline);

 private:
  void WriteInput();
  // False when stdout passed max_output.
  bool Drain(int fd, std::string* into, size_t limit, bool is_stdout);

  Child* child_;
  const CommandRequest& request_;
  CommandOutput* output_;
  size_t written_ = 0;
};

Status TimedOut(std::chrono::milliseconds timeout) {
  return DeadlineExceeded("timed out after " + FormatDuration(timeout));
}

Status Pump::Run(Clock::time_point deadline) {
  if (request_.input.empty()) child_->CloseStdin();
  while (child_->stdout_fd() >= 0 || child_->stderr_fd() >= 0) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) return TimedOut(request_.timeout);
    pollfd fds[3] = {{child_->stdin_fd(), POLLOUT, 0},
                     {child_->stdout_fd(), POLLIN, 0},
                     {child_->stderr_fd(), POLLIN, 0}};
    int ready = poll(fds, 3, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      return Internal(std::string("poll: ") + strerror(errno));
    }
    if (ready <= 0) continue;
    if (fds[0].revents & (POLLERR | POLLHUP)) {
      child_->CloseStdin();
    } else if (fds[0].revents & POLLOUT) {
      WriteInput();
    }
    if (fds[1].revents &&
        !Drain(child_->stdout_fd(), &output_->out, request_.max_output,
               true)) {
      return ResourceExhausted("output larger than " +
                               std::to_string(request_.max_output) +
                               " bytes");
    }
    if (fds[2].revents) {
      Drain(child_->stderr_fd(), &output_->err, kMaxStderrBytes, false);
    }
  }
  return Status::Ok();
}

void Pump::WriteInput() {
  SigpipeGuard guard;
  const std::string& input = request_.input;
  ssize_t n = write(child_->stdin_fd(), input.data() + written_,
                    input.size() - written_);
  if (n > 0) written_ += static_cast<size_t>(n);
  // A child that stops reading early (EPIPE) gets no more input; its
  // exit status and stderr will say why.
  bool failed = n < 0 && errno != EAGAIN && errno != EINTR;
  if (failed || written_ == input.size()) child_->CloseStdin();
}

bool Pump::Drain(int fd, std::string* into, size_t limit, bool is_stdout) {
  size_t before = into->size();
  long n = ReadAvailable(fd, into, limit);
  if (n == 0 && is_stdout) child_->CloseStdout();
  if (n == 0 && !is_stdout) child_->CloseStderr();
  return !(is_stdout && n > 0 &&
           before + static_cast<size_t>(n) > into->size());
}

}  // namespace

Result<CommandOutput> RunCommand(const CommandRequest& request) {
  auto deadline = Clock::now() + request.timeout;
  auto started = Child::Start(request.argv, request.hint);
  if (!started.ok()) return started.status();
  std::unique_ptr<Child> child = std::move(started).value();

  CommandOutput output;
  Status pumped = Pump(child.get(), request, &output).Run(deadline);
  // After the pipes closed the child is normally gone or about to be; a
  // child that lingers with its pipes closed still gets only the deadline.
  if (pumped.ok() && !child->WaitUntil(deadline, &output.exit_code)) {
    pumped = TimedOut(request.timeout);
  }
  if (!pumped.ok()) {
    child->Kill();
    child->Wait();
    return pumped;
  }
  return output;
}

std::string FormatDuration(std::chrono::milliseconds d) {
  long long ms = d.count();
  if (ms < 1000 || ms % 100 != 0) return std::to_string(ms) + "ms";
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 != 0) text += "." + std::to_string(ms % 1000 / 100);
  return text + "s";
}

}  // namespace dim::ipfs
