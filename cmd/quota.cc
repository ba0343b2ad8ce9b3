// dimctl quota: the caller's submission allowance on the orchestrator.
#include <cstdio>
#include <iostream>

#include "cmd/cli.h"
#include "cmd/json_writer.h"
#include "cmd/session.h"

namespace dim::cli {
namespace {

int RunQuota(const Globals& g) {
  auto client = Connect(g);
  if (!client.ok()) return ReportError(client.status());
  auto quota = client->Quota();
  if (!quota.ok()) return ReportError(quota.status());
  if (g.output == Output::kJson) {
    JsonWriter w;
    w.BeginObject();
    w.Key("user").String(quota->user());
    w.Key("role").String(quota->role());
    w.Key("authentication").Bool(quota->authentication());
    w.Key("tokens").Double(quota->tokens());
    w.Key("per_minute").Int(quota->per_minute());
    w.Key("burst").Int(quota->burst());
    w.Key("retry_after_ms").Int(quota->retry_after_ms());
    w.EndObject();
    std::cout << w.str() << "\n";
    return kExitOk;
  }
  if (!quota->authentication()) {
    std::cout << "authentication is off on " << g.addr
              << ": submissions are not limited\n";
    return kExitOk;
  }
  char tokens[32];
  std::snprintf(tokens, sizeof tokens, "%.1f", quota->tokens());
  std::cout << "user " << quota->user() << " (" << quota->role() << "): "
            << tokens << " of " << quota->burst()
            << " submissions available, refilling at "
            << quota->per_minute() << " a minute";
  if (quota->retry_after_ms() > 0) {
    std::cout << "; next in " << quota->retry_after_ms() / 1000.0 << " s";
  }
  std::cout << "\n";
  return kExitOk;
}

}  // namespace

void AddQuotaCommand(CLI::App* cmd, const Globals* globals, Runner* runner) {
  cmd->callback([=] { *runner = [=] { return RunQuota(*globals); }; });
}

}  // namespace dim::cli
