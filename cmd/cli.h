// What every subcommand shares: the global flags, the table of commands
// (help, "did you mean" and the shell completions all read it), exit codes
// and the one way errors are reported.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/util/status.h"

namespace dim::cli {

// Documented in README.md and man/dimctl.1; scripts depend on them.
enum ExitCode : int {
  kExitOk = 0,
  kExitJobFailed = 1,    // the job FAILED or was CANCELLED
  kExitUsage = 2,        // bad flags, bad job file, rejected input
  kExitUnreachable = 3,  // cannot reach the server
  kExitServerError = 4,  // the server refused or failed the request
  kExitRateLimited = 5,  // over the user's submission rate; retry later
};

enum class Output { kTable, kJson };

struct Globals {
  std::string addr;  // --addr, DIM_ADDR, default kDefaultAddr
  Output output = Output::kTable;
  bool quiet = false;
  bool color = true;
};

inline constexpr const char* kDefaultAddr = "127.0.0.1:7420";

// A subcommand's runner, set by its callback once flags are parsed.
using Runner = std::function<int()>;

struct Command {
  const char* name;
  const char* summary;
  // Adds the flags to the subcommand `cmd`, created by main from this
  // table; its callback stores the runner.
  void (*add)(CLI::App* cmd, const Globals* globals, Runner* runner);
};

const std::vector<Command>& Commands();

// Prints "dimctl: error: <message>" to stderr and returns the exit code
// for the status.
int ReportError(const Status& status);
int ExitCodeFor(Code code);

void AddServeCommand(CLI::App* cmd, const Globals* globals, Runner* runner);
void AddSubmitCommand(CLI::App* cmd, const Globals* globals, Runner* runner);
void AddJobCommand(CLI::App* cmd, const Globals* globals, Runner* runner);
void AddNodeCommand(CLI::App* cmd, const Globals* globals, Runner* runner);
void AddPrewarmCommand(CLI::App* cmd, const Globals* globals,
                       Runner* runner);
void AddRegisterCommand(CLI::App* cmd, const Globals* globals,
                        Runner* runner);
void AddDiscoverCommand(CLI::App* cmd, const Globals* globals,
                        Runner* runner);
void AddMetricsCommand(CLI::App* cmd, const Globals* globals,
                       Runner* runner);
void AddCertsCommand(CLI::App* cmd, const Globals* globals, Runner* runner);
void AddTokenCommand(CLI::App* cmd, const Globals* globals, Runner* runner);
void AddQuotaCommand(CLI::App* cmd, const Globals* globals, Runner* runner);
void AddVersionCommand(CLI::App* cmd, const Globals* globals, Runner* runner);
void AddCompletionCommand(CLI::App* cmd, const Globals* globals,
                          Runner* runner);

}  // namespace dim::cli
