#include "core/ipfs/command.h"

#include <fcntl.h>
#include <pthread.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <fstream>

#include "tests/support/process.h"

namespace dim::ipfs {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class IpfsCommandTest : public ::testing::Test {
 protected:
  // Writes an executable shell script and returns its path.
  std::string Script(const std::string& name, const std::string& body) {
    std::string path = dir_.path() + "/" + name;
    testing::WriteFile(path, "#!/bin/sh\n" + body);
    chmod(path.c_str(), 0755);
    return path;
  }

  // A process is gone when it no longer exists or is a zombie of some
  // other parent (a reaper outside the test's control).
  static bool Gone(pid_t pid) {
    std::string stat = testing::ReadFile("/proc/" + std::to_string(pid) +
                                         "/stat");
    if (stat.empty()) return true;
    size_t paren = stat.rfind(')');
    return paren != std::string::npos && stat.substr(paren + 2, 1) == "Z";
  }

  static pid_t ReadPid(const std::string& path) {
    return static_cast<pid_t>(std::atoi(testing::ReadFile(path).c_str()));
  }

  testing::TempDir dir_;
};

CommandRequest Request(std::vector<std::string> argv,
                       milliseconds timeout = milliseconds(10000)) {
  CommandRequest request;
  request.argv = std::move(argv);
  request.timeout = timeout;
  return request;
}

TEST_F(IpfsCommandTest, PassesBinaryInputAndOutputThrough) {
  CommandRequest request = Request({"cat"});
  for (int round = 0; round < 20000; ++round) {
    for (int b = 0; b < 256; ++b) request.input.push_back(static_cast<char>(b));
  }
  // Five megabytes: more than a pipe holds, so writing and reading must
  // interleave.
  Result<CommandOutput> out = RunCommand(request);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->exit_code, 0);
  EXPECT_TRUE(out->out == request.input);
}

TEST_F(IpfsCommandTest, ReportsExitCodeAndStderr) {
  std::string script = Script("fail", "echo out; echo 'Error: no' >&2; "
                                      "exit 3\n");
  Result<CommandOutput> out = RunCommand(Request({script}));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_EQ(out->out, "out\n");
  EXPECT_EQ(out->err, "Error: no\n");
}

TEST_F(IpfsCommandTest, MissingProgramIsUnavailableWithHint) {
  CommandRequest request = Request({"dim-no-such-program"});
  request.hint = "set it in the config";
  Result<CommandOutput> out = RunCommand(request);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kUnavailable);
  EXPECT_EQ(out.status().message(),
            "cannot run 'dim-no-such-program' (not found; set it in the "
            "config)");

  Result<CommandOutput> by_path = RunCommand(Request({dir_.path() + "/nope"}));
  ASSERT_FALSE(by_path.ok());
  EXPECT_NE(by_path.status().message().find("(not found)"),
            std::string::npos);
}

TEST_F(IpfsCommandTest, NonExecutableFileIsUnavailable) {
  std::string path = dir_.path() + "/plain";
  testing::WriteFile(path, "#!/bin/sh\n");
  Result<CommandOutput> out = RunCommand(Request({path}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kUnavailable);
  EXPECT_NE(out.status().message().find("Permission denied"),
            std::string::npos)
      << out.status().message();
}

TEST_F(IpfsCommandTest, TimeoutKillsTheChildAndWhatItStarted) {
  // The script starts a grandchild the way a wrapper might; both must die.
  std::string script = Script(
      "hang", "echo $$ > " + dir_.path() + "/pid\n" +
                  "sleep 60 & echo $! > " + dir_.path() + "/grandchild\n" +
                  "wait\n");
  auto start = Clock::now();
  Result<CommandOutput> out = RunCommand(Request({script}, milliseconds(300)));
  auto took = Clock::now() - start;
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(out.status().message(), "timed out after 300ms");
  EXPECT_LT(took, milliseconds(2000));

  pid_t child = ReadPid(dir_.path() + "/pid");
  pid_t grandchild = ReadPid(dir_.path() + "/grandchild");
  ASSERT_GT(child, 0);
  ASSERT_GT(grandchild, 0);
  // The child was reaped by RunCommand: no zombie of ours is left.
  EXPECT_TRUE(Gone(child));
  auto deadline = Clock::now() + milliseconds(2000);
  while (!Gone(grandchild) && Clock::now() < deadline) {
    usleep(10000);
  }
  EXPECT_TRUE(Gone(grandchild));
}

TEST_F(IpfsCommandTest, TimeoutAppliesWhileWritingInput) {
  CommandRequest request = Request({"sleep", "60"}, milliseconds(200));
  request.input.assign(1 << 20, 'x');  // never read: the pipe fills up
  Result<CommandOutput> out = RunCommand(request);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kDeadlineExceeded);
}

TEST_F(IpfsCommandTest, ChildThatIgnoresInputDoesNotKillTheCaller) {
  // Writing to a pipe nobody reads raises SIGPIPE, which must not reach
  // the test process.
  CommandRequest request = Request({"true"});
  request.input.assign(4 << 20, 'x');
  Result<CommandOutput> out = RunCommand(request);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->exit_code, 0);
}

TEST_F(IpfsCommandTest, OutputOverTheLimitIsRefused) {
  CommandRequest request = Request({"head", "-c", "100000", "/dev/zero"});
  request.max_output = 1000;
  Result<CommandOutput> out = RunCommand(request);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kResourceExhausted);

  request.max_output = 100000;
  Result<CommandOutput> exact = RunCommand(request);
  ASSERT_TRUE(exact.ok()) << exact.status().message();
  EXPECT_EQ(exact->out.size(), 100000u);
}

TEST_F(IpfsCommandTest, ChildInheritsNoOtherDescriptors) {
  // Deliberately without close-on-exec, as careless code elsewhere in the
  // process might open it.
  int leaked = fcntl(0, F_DUPFD, 40);
  ASSERT_GE(leaked, 40);
  Result<CommandOutput> out = RunCommand(Request({"ls", "/proc/self/fd"}));
  close(leaked);
  ASSERT_TRUE(out.ok()) << out.status().message();
  // ls sees 0, 1, 2 and the descriptor of the directory it lists.
  EXPECT_EQ(out->out, "0\n1\n2\n3\n");
}

TEST_F(IpfsCommandTest, ChildIsKilledWhenTheHandleGoesAway) {
  std::string script = Script("long", "echo $$ > " + dir_.path() +
                                          "/pid\nexec sleep 60\n");
  pid_t pid = 0;
  {
    Result<std::unique_ptr<Child>> child = Child::Start({script});
    ASSERT_TRUE(child.ok()) << child.status().message();
    auto deadline = Clock::now() + milliseconds(5000);
    while ((pid = ReadPid(dir_.path() + "/pid")) <= 0 &&
           Clock::now() < deadline) {
      usleep(5000);
    }
  }
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(Gone(pid));
}

// fork() would run every pthread_atfork handler in the process, and
// OpenBLAS's stops its worker threads: a node's model running on another
// thread at that moment then spins forever. Starting `ipfs` must not.
std::atomic<int> atfork_prepared{0};

TEST_F(IpfsCommandTest, StartingAChildRunsNoAtforkHandlers) {
  static std::once_flag registered;
  std::call_once(registered, [] {
    pthread_atfork([] { ++atfork_prepared; }, nullptr, nullptr);
  });
  int before = atfork_prepared.load();
  Result<CommandOutput> out = RunCommand(Request({"true"}));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->exit_code, 0);
  EXPECT_EQ(atfork_prepared.load(), before);
}

TEST(IpfsFormatDuration, ReadsNaturally) {
  EXPECT_EQ(FormatDuration(milliseconds(10000)), "10s");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(milliseconds(1)), "1ms");
  EXPECT_EQ(FormatDuration(milliseconds(1234)), "1234ms");
}

}  // namespace
}  // namespace dim::ipfs
