// dimctl certs init | issue NAME | show FILE
#include <chrono>
#include <iostream>
#include <memory>

#include "cmd/cli.h"
#include "cmd/json_writer.h"
#include "core/security/cert_info.h"
#include "core/security/certs.h"

namespace dim::cli {
namespace {

namespace sec = dim::security;

struct CertsFlags {
  std::string dir = sec::DefaultCertDir();
  std::string key_type = sec::KeyTypeName(sec::kDefaultKeyType);
  bool force = false;
  // init
  int ca_days = sec::CaOptions().days;
  std::string common_name = sec::CaOptions().common_name;
  // issue
  std::string name;
  bool server = false;
  bool client = false;
  std::vector<std::string> ips;
  std::vector<std::string> dns_names;
  int days = sec::IssueOptions().days;
  // show
  std::string file;
};

// A file in the way is a usage error: the user chose not to pass --force.
int Report(const Status& status) {
  if (status.code() != Code::kAlreadyExists) return ReportError(status);
  ReportError(Status(status.code(),
                     status.message() + "; pass --force to replace it"));
  return kExitUsage;
}

void PrintWritten(const Globals& g, const sec::CertFiles& files) {
  if (g.quiet) {
    std::cout << files.cert_path << "\n";
    return;
  }
  std::cout << "created " << files.key_path << " (private key, mode 0600)\n"
            << "created " << files.cert_path << "\n";
}

sec::Overwrite OverwriteFor(const CertsFlags& f) {
  return f.force ? sec::Overwrite::kYes : sec::Overwrite::kNo;
}

int InitCa(const Globals& g, const CertsFlags& f) {
  auto key_type = sec::ParseKeyType(f.key_type);
  if (!key_type.ok()) return Report(key_type.status());
  sec::CaOptions options;
  options.dir = f.dir;
  options.key_type = *key_type;
  options.days = f.ca_days;
  options.common_name = f.common_name;
  options.overwrite = OverwriteFor(f);
  auto files = sec::InitCa(options);
  if (!files.ok()) return Report(files.status());
  PrintWritten(g, *files);
  return kExitOk;
}

int IssueCert(const Globals& g, const CertsFlags& f) {
  if (f.server == f.client) {
    return Report(InvalidArgument("give exactly one of --server and "
                                  "--client for certificate '" + f.name +
                                  "'"));
  }
  auto key_type = sec::ParseKeyType(f.key_type);
  if (!key_type.ok()) return Report(key_type.status());
  sec::IssueOptions options;
  options.dir = f.dir;
  options.name = f.name;
  options.kind = f.server ? sec::CertKind::kServer : sec::CertKind::kClient;
  options.ips = f.ips;
  options.dns_names = f.dns_names;
  options.days = f.days;
  options.key_type = *key_type;
  options.overwrite = OverwriteFor(f);
  auto files = sec::IssueCert(options);
  if (files.ok()) {
    PrintWritten(g, *files);
    return kExitOk;
  }
  if (files.status().code() != Code::kNotFound) return Report(files.status());
  const Status& st = files.status();
  return Report(Status(st.code(), st.message() + " (run 'dimctl certs init "
                                                 "--dir " + f.dir +
                                      "' first)"));
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "-" : out;
}

void WriteStrings(JsonWriter* w, const std::string& key,
                  const std::vector<std::string>& items) {
  w->Key(key).BeginArray();
  for (const auto& item : items) w->String(item);
  w->EndArray();
}

// "", "expired" or "not yet valid", judged by this machine's clock.
std::string ValidityProblem(const sec::CertInfo& c) {
  using namespace std::chrono;
  int64_t now = duration_cast<milliseconds>(
                    system_clock::now().time_since_epoch())
                    .count();
  if (now > c.not_after_ms) return "expired";
  if (now < c.not_before_ms) return "not yet valid";
  return "";
}

void WriteCertJson(const std::string& file, const sec::CertInfo& c) {
  JsonWriter w;
  w.BeginObject().Key("file").String(file);
  w.Key("subject").String(c.subject).Key("issuer").String(c.issuer);
  w.Key("common_name").String(c.common_name);
  WriteStrings(&w, "dns_names", c.dns_names);
  WriteStrings(&w, "ip_addresses", c.ip_addresses);
  w.Key("not_before").String(sec::FormatUtcTime(c.not_before_ms));
  w.Key("not_after").String(sec::FormatUtcTime(c.not_after_ms));
  w.Key("not_before_ms").Int(c.not_before_ms);
  w.Key("not_after_ms").Int(c.not_after_ms);
  w.Key("valid_now").Bool(ValidityProblem(c).empty());
  w.Key("sha256_fingerprint").String(c.sha256_fingerprint);
  w.Key("key_type").String(c.key_type).Key("is_ca").Bool(c.is_ca);
  w.Key("serial").String(c.serial);
  WriteStrings(&w, "extended_key_usage", c.extended_key_usage);
  w.EndObject();
  std::cout << w.str() << "\n";
}

void PrintCert(const std::string& file, const sec::CertInfo& c) {
  std::string problem = ValidityProblem(c);
  if (!problem.empty()) problem = "  (" + problem + ")";
  std::cout << "File:         " << file << "\n"
            << "Subject:      " << c.subject << "\n"
            << "Issuer:       " << c.issuer << "\n"
            << "CA:           " << (c.is_ca ? "yes" : "no") << "\n"
            << "Key:          " << c.key_type << "\n"
            << "Usage:        " << Join(c.extended_key_usage) << "\n"
            << "DNS names:    " << Join(c.dns_names) << "\n"
            << "IP addresses: " << Join(c.ip_addresses) << "\n"
            << "Not before:   " << sec::FormatUtcTime(c.not_before_ms) << "\n"
            << "Not after:    " << sec::FormatUtcTime(c.not_after_ms)
            << problem << "\n"
            << "Serial:       " << c.serial << "\n"
            << "SHA-256:      " << c.sha256_fingerprint << "\n";
}

int ShowCert(const Globals& g, const std::string& file) {
  auto info = sec::ReadCert(file);
  if (!info.ok()) return Report(info.status());
  if (g.output == Output::kJson) {
    WriteCertJson(file, *info);
  } else {
    PrintCert(file, *info);
  }
  return kExitOk;
}

void AddWriteFlags(CLI::App* cmd, CertsFlags* f) {
  cmd->add_option("--dir", f->dir, "Directory of the CA")
      ->capture_default_str();
  cmd->add_option("--key-type", f->key_type, "Key type: p256 or ed25519")
      ->capture_default_str();
  cmd->add_flag("--force", f->force, "Replace existing files");
}

void AddIssueFlags(CLI::App* issue, CertsFlags* f) {
  issue->add_option("name", f->name,
                    "Common name and file stem (node id or user id)")
      ->required();
  issue->add_flag("--server", f->server,
                  "Server certificate for an orchestrator or node");
  issue->add_flag("--client", f->client, "Client certificate for a user");
  issue->add_option("--ip", f->ips, "Extra IP address to certify")
      ->delimiter(',');
  issue->add_option("--dns", f->dns_names, "Extra DNS name to certify")
      ->delimiter(',');
  issue->add_option("--days", f->days, "Days of validity")
      ->capture_default_str();
  AddWriteFlags(issue, f);
}

}  // namespace

void AddCertsCommand(CLI::App* cmd, const Globals* globals, Runner* runner) {
  cmd->require_subcommand(1);
  auto f = std::make_shared<CertsFlags>();

  CLI::App* init = cmd->add_subcommand("init", "Create a CA key and "
                                               "certificate");
  init->add_option("--days", f->ca_days, "Days of validity")
      ->capture_default_str();
  init->add_option("--cn", f->common_name, "Common name of the CA")
      ->capture_default_str();
  AddWriteFlags(init, f.get());
  init->callback([=] { *runner = [=] { return InitCa(*globals, *f); }; });

  CLI::App* issue = cmd->add_subcommand(
      "issue", "Issue a server or client certificate signed by the CA");
  AddIssueFlags(issue, f.get());
  issue->callback([=] { *runner = [=] { return IssueCert(*globals, *f); }; });

  CLI::App* show = cmd->add_subcommand(
      "show", "Print a certificate's subject, names, validity, fingerprint");
  show->add_option("file", f->file, "Certificate (PEM)")->required();
  show->callback(
      [=] { *runner = [=] { return ShowCert(*globals, f->file); }; });
}

}  // namespace dim::cli
