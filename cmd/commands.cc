#include <iostream>

#include "cmd/cli.h"

namespace dim::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"serve", "Run an orchestrator, a node, or both", AddServeCommand},
      {"submit", "Submit a job file", AddSubmitCommand},
      {"job", "List, show, cancel or wait for jobs", AddJobCommand},
      {"node", "List or show the nodes an orchestrator knows",
       AddNodeCommand},
      {"prewarm", "Load models on their nodes before tasks need them",
       AddPrewarmCommand},
      {"register", "Announce a node once over IPFS", AddRegisterCommand},
      {"discover", "List the nodes and orchestrators heard over IPFS",
       AddDiscoverCommand},
      {"metrics", "Show what a running server has counted",
       AddMetricsCommand},
      {"certs", "Create a CA, issue and show certificates", AddCertsCommand},
      {"token", "Create the token key, issue bearer tokens", AddTokenCommand},
      {"quota", "Show your submission rate limit", AddQuotaCommand},
      {"version", "Print the version", AddVersionCommand},
      {"completion", "Print a shell completion script (bash or zsh)",
       AddCompletionCommand},
  };
  return commands;
}

int ExitCodeFor(Code code) {
  switch (code) {
    case Code::kOk: return kExitOk;
    case Code::kInvalidArgument: return kExitUsage;
    case Code::kUnavailable: return kExitUnreachable;
    default: return kExitServerError;
  }
}

int ReportError(const Status& status) {
  std::cerr << "dimctl: error: " << status.message() << "\n";
  return ExitCodeFor(status.code());
}

}  // namespace dim::cli
