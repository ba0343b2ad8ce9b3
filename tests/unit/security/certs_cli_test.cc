// `dimctl certs` as a user runs it: the real binary, files in a temporary
// directory, exit codes and messages.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/security/certs.h"
#include "tests/support/json.h"
#include "tests/support/process.h"

namespace dim::testing {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

class CertsCli : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.path() + "/certs"; }

  RunResult Certs(std::vector<std::string> args) {
    args.insert(args.begin(), "certs");
    return Dimctl(args, {{"XDG_CONFIG_HOME", tmp_.path() + "/config"}});
  }

  void Init() {
    RunResult r = Certs({"init", "--dir", dir()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  TempDir tmp_;
};

TEST_F(CertsCli, InitIssueAndShowAsJson) {
  Init();
  RunResult issue = Certs({"issue", "node-a", "--server", "--dir", dir(),
                           "--ip", "10.0.0.5", "--dns", "a.example,b.example",
                           "--days", "90"});
  ASSERT_EQ(issue.exit_code, 0) << issue.err;
  EXPECT_TRUE(Contains(issue.out, dir() + "/node-a.key")) << issue.out;

  RunResult show = Dimctl({"-o", "json", "certs", "show",
                           dir() + "/node-a.crt"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  Json cert = ParseJson(show.out);
  EXPECT_EQ(cert["common_name"].string, "node-a");
  EXPECT_EQ(cert["issuer"].string, "CN=dimctl CA");
  ASSERT_EQ(cert["dns_names"].size(), 3u);
  EXPECT_EQ(cert["dns_names"][0].string, "localhost");
  EXPECT_EQ(cert["dns_names"][2].string, "b.example");
  ASSERT_EQ(cert["ip_addresses"].size(), 2u);
  EXPECT_EQ(cert["ip_addresses"][1].string, "10.0.0.5");
  double days = (cert["not_after_ms"].number - cert["not_before_ms"].number) /
                86400000.0;
  EXPECT_NEAR(days, 90, 0.01);
  EXPECT_EQ(cert["sha256_fingerprint"].string.size(), 95u);
  EXPECT_FALSE(cert["is_ca"].boolean);
}

TEST_F(CertsCli, ShowPrintsATable) {
  Init();
  ASSERT_EQ(Certs({"issue", "alice", "--client", "--dir", dir()}).exit_code,
            0);
  RunResult show = Certs({"show", dir() + "/alice.crt"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(Contains(show.out, "Subject:      CN=alice\n")) << show.out;
  EXPECT_TRUE(Contains(show.out, "Usage:        clientAuth\n"));
  EXPECT_TRUE(Contains(show.out, "DNS names:    -\n"));
  EXPECT_TRUE(Contains(show.out, "SHA-256:      ")) << show.out;
  EXPECT_TRUE(Contains(show.out, "Not after:    20")) << show.out;
}

TEST_F(CertsCli, ShowMarksAnExpiredCertificate) {
  Init();
  dim::security::IssueOptions o;
  o.dir = dir();
  o.name = "old";
  o.not_before_ms = 1700000000000;
  o.days = 1;
  auto files = dim::security::IssueCert(o);
  ASSERT_TRUE(files.ok()) << files.status().message();
  RunResult show = Certs({"show", files->cert_path});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(Contains(show.out, "Not after:    2023-11-15T22:13:20Z  "
                                 "(expired)\n"))
      << show.out;
  RunResult json = Dimctl({"-o", "json", "certs", "show", files->cert_path});
  EXPECT_FALSE(ParseJson(json.out)["valid_now"].boolean);
  RunResult ca = Dimctl({"-o", "json", "certs", "show", dir() + "/ca.crt"});
  EXPECT_TRUE(ParseJson(ca.out)["valid_now"].boolean);
}

TEST_F(CertsCli, ExistingFilesNeedForce) {
  Init();
  RunResult again = Certs({"init", "--dir", dir()});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(again.err, "dimctl: error: " + dir() +
                           "/ca.key already exists; pass --force to "
                           "replace it\n");
  RunResult forced = Certs({"init", "--dir", dir(), "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
}

TEST_F(CertsCli, DefaultDirectoryIsUnderXdgConfigHome) {
  RunResult r = Certs({"init", "--key-type", "ed25519"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(tmp_.path() + "/config/dimctl/certs/ca.key"));
  RunResult q = Dimctl({"-q", "certs", "issue", "n1", "--server"},
                       {{"XDG_CONFIG_HOME", tmp_.path() + "/config"}});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, tmp_.path() + "/config/dimctl/certs/n1.crt\n");
}

TEST_F(CertsCli, BadInputExitsTwo) {
  Init();
  RunResult key = Certs({"init", "--dir", dir() + "2", "--key-type", "rsa"});
  EXPECT_EQ(key.exit_code, 2);
  EXPECT_TRUE(Contains(key.err, "unknown key type 'rsa'")) << key.err;
  RunResult kind = Certs({"issue", "node-a", "--dir", dir()});
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_TRUE(Contains(kind.err, "--server")) << kind.err;
  RunResult ip = Certs({"issue", "node-a", "--server", "--dir", dir(),
                        "--ip", "1.2.3"});
  EXPECT_EQ(ip.exit_code, 2);
  EXPECT_TRUE(Contains(ip.err, "invalid IP address '1.2.3'")) << ip.err;
  RunResult not_cert = Certs({"show", dir() + "/ca.key"});
  EXPECT_EQ(not_cert.exit_code, 2);
  EXPECT_TRUE(Contains(not_cert.err, dir() + "/ca.key")) << not_cert.err;
}

TEST_F(CertsCli, FileSystemFailuresExitFour) {
  RunResult no_ca = Certs({"issue", "node-a", "--server", "--dir", dir()});
  EXPECT_EQ(no_ca.exit_code, 4);
  EXPECT_TRUE(Contains(no_ca.err, "dimctl certs init")) << no_ca.err;
  RunResult missing = Certs({"show", dir() + "/nope.crt"});
  EXPECT_EQ(missing.exit_code, 4);
  WriteFile(tmp_.path() + "/plain", "x");
  RunResult not_dir = Certs({"init", "--dir", tmp_.path() + "/plain/certs"});
  EXPECT_EQ(not_dir.exit_code, 4);
  EXPECT_TRUE(Contains(not_dir.err, tmp_.path() + "/plain")) << not_dir.err;
}

}  // namespace
}  // namespace dim::testing
