// dimctl token issue: sign a bearer token with the server's token key.
#include <chrono>
#include <iostream>

#include "cmd/cli.h"
#include "cmd/json_writer.h"
#include "core/config/config.h"
#include "core/config/duration.h"
#include "core/security/tokens.h"

namespace dim::cli {
namespace {

struct TokenFlags {
  std::string config_path, key_path, user, role = "user", ttl = "24h";
  std::string new_key;
  bool force = false;
};

Result<std::string> KeyPath(const TokenFlags& f) {
  if (!f.key_path.empty()) return f.key_path;
  auto env = config::ProcessEnvironment();
  std::string path = f.config_path;
  if (path.empty() && env.count("DIM_CONFIG")) path = env["DIM_CONFIG"];
  auto config = config::LoadConfig(path, env);
  if (!config.ok()) return config.status();
  if (config->security.token_key.empty()) {
    return InvalidArgument("token issue: no key: pass --key FILE, or set "
                           "security.token_key in dim.toml (--config)");
  }
  return config->security.token_key;
}

int RunIssue(const Globals& g, const TokenFlags& f) {
  security::Identity identity;
  identity.user = f.user;
  if (!security::ParseRole(f.role, &identity.role)) {
    return ReportError(InvalidArgument("--role: expected user or admin, got '" +
                                       f.role + "'"));
  }
  std::chrono::milliseconds ttl{0};
  if (!config::ParseDuration(f.ttl, &ttl) || ttl.count() < 1000) {
    return ReportError(InvalidArgument(
        "--ttl: expected a duration such as 30m, 24h or 90d... got '" +
        f.ttl + "'"));
  }
  auto path = KeyPath(f);
  if (!path.ok()) return ReportError(path.status());
  auto key = security::ReadTokenKey(*path);
  if (!key.ok()) return ReportError(key.status());

  identity.expires_s =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch() + ttl)
          .count();
  auto token = security::IssueToken(*key, identity);
  if (!token.ok()) return ReportError(token.status());
  if (g.output == Output::kJson) {
    JsonWriter w;
    w.BeginObject();
    w.Key("token").String(*token);
    w.Key("user").String(identity.user);
    w.Key("role").String(security::RoleName(identity.role));
    w.Key("expires_s").Int(identity.expires_s);
    w.EndObject();
    std::cout << w.str() << "\n";
  } else {
    std::cout << *token << "\n";
  }
  return kExitOk;
}

int RunKey(const TokenFlags& f) {
  Status st = security::CreateTokenKey(
      f.new_key, f.force ? security::Overwrite::kYes : security::Overwrite::kNo);
  if (st.code() == Code::kAlreadyExists) {
    return ReportError(InvalidArgument(st.message() + " (--force replaces "
                                       "it, and every token signed with it "
                                       "stops working)"));
  }
  if (!st.ok()) return ReportError(st);
  std::cout << "wrote token key " << f.new_key
            << " (mode 0600); point security.token_key at it\n";
  return kExitOk;
}

}  // namespace

void AddTokenCommand(CLI::App* cmd, const Globals* globals, Runner* runner) {
  cmd->require_subcommand(1);
  auto f = std::make_shared<TokenFlags>();
  CLI::App* issue = cmd->add_subcommand(
      "issue", "Sign a token for a user with the server's token key");
  issue->add_option("--user", f->user, "The user id")->required();
  issue->add_option("--role", f->role, "user or admin (default user)");
  issue->add_option("--ttl", f->ttl, "How long it is valid (default 24h)");
  issue->add_option("--key", f->key_path,
                    "Token key file (default: security.token_key)");
  issue->add_option("-c,--config", f->config_path,
                    "dim.toml to read (env DIM_CONFIG)");
  issue->callback([=] { *runner = [=] { return RunIssue(*globals, *f); }; });

  CLI::App* key = cmd->add_subcommand(
      "key", "Create a token key: 32 random bytes, mode 0600");
  key->add_option("FILE", f->new_key, "Where to write it")->required();
  key->add_flag("--force", f->force, "Replace an existing key");
  key->callback([=] { *runner = [=] { return RunKey(*f); }; });
}

}  // namespace dim::cli
