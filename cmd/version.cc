// dimctl version
#include <iostream>

#include "cmd/cli.h"
#include "cmd/json_writer.h"

namespace dim::cli {

void AddVersionCommand(CLI::App* cmd, const Globals* globals, Runner* runner) {
  cmd->callback([=] {
    *runner = [=] {
      if (globals->output == Output::kJson) {
        JsonWriter w;
        w.BeginObject().Key("version").String(DIMCTL_VERSION).EndObject();
        std::cout << w.str() << "\n";
      } else {
        std::cout << "dimctl " << DIMCTL_VERSION << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace dim::cli
