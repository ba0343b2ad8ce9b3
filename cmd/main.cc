// dimctl: one binary, git-style subcommands. main parses the global flags,
// hands over to the subcommand chosen from the command table, and turns
// what it returns into the process's exit code.
#include <cstdlib>
#include <iostream>

#include <grpc/support/log.h>

#include <rang.hpp>

#include "cmd/cli.h"
#include "cmd/suggest.h"

namespace {

using dim::cli::Globals;

void AddGlobalFlags(CLI::App* app, Globals* globals) {
  const char* env_addr = std::getenv("DIM_ADDR");
  globals->addr = env_addr && *env_addr ? env_addr : dim::cli::kDefaultAddr;
  app->add_option("--addr", globals->addr,
                  "Orchestrator address HOST:PORT (env DIM_ADDR; default " +
                      std::string(dim::cli::kDefaultAddr) + ")");
  app->add_option_function<std::string>(
         "-o,--output",
         [globals](const std::string& format) {
           globals->output = format == "json" ? dim::cli::Output::kJson
                                              : dim::cli::Output::kTable;
         },
         "Output of read commands: table (default) or json")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"table", "json"}));
  app->add_flag("-q,--quiet", globals->quiet,
                "Print only what scripts need (ids, results)");
  app->add_flag_callback("--no-color", [globals] { globals->color = false; },
                         "Plain output without colours (also NO_COLOR)");
}

void SetupColor(const Globals& globals) {
  const char* no_color = std::getenv("NO_COLOR");
  bool off = !globals.color || (no_color && *no_color);
  rang::setControlMode(off ? rang::control::Off : rang::control::Auto);
}

// Unknown first words get a suggestion before CLI11's generic message.
int CheckCommandName(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.empty() || word[0] == '-') {
      // Skip the value of a global option that takes one.
      if (word == "--addr" || word == "-o" || word == "--output") ++i;
      continue;
    }
    for (const auto& cmd : dim::cli::Commands()) {
      if (word == cmd.name) return -1;
    }
    std::string hint = dim::cli::Suggest(word, dim::cli::Commands());
    std::cerr << "dimctl: error: unknown command '" << word << "'"
              << (hint.empty() ? "" : " (did you mean '" + hint + "'?)")
              << "; see 'dimctl --help'\n";
    return dim::cli::kExitUsage;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dimctl: run inference jobs on a decentralized inference "
               "machine",
               "dimctl"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", "dimctl " DIMCTL_VERSION);
  Globals globals;
  AddGlobalFlags(&app, &globals);
  dim::cli::Runner runner;
  for (const auto& cmd : dim::cli::Commands()) {
    cmd.add(app.add_subcommand(cmd.name, cmd.summary), &globals, &runner);
  }
  int bad = CheckCommandName(argc, argv);
  if (bad >= 0) return bad;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "dimctl: error: " << e.what() << "\n";
    return dim::cli::kExitUsage;
  }
  SetupColor(globals);
  // A client reports failures as one "dimctl: error:" line; gRPC's own
  // log would say the same thing again in its own words. `serve` installs
  // its logger over this.
  gpr_set_log_function([](gpr_log_func_args*) {});
  return runner ? runner() : dim::cli::kExitUsage;
}
