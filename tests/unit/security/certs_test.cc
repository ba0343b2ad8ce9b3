#include "core/security/certs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/security/cert_info.h"
#include "tests/unit/security/test_ca.h"

namespace dim::security {
namespace {

using dim::testing::ReadFile;
using dim::testing::TempDir;
using dim::testing::WriteFile;
using testing::Openssl;
using testing::OpensslPath;
using testing::TestCa;

constexpr int64_t kDayMs = 86400 * 1000LL;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

CertInfo MustRead(const std::string& path) {
  auto info = ReadCert(path);
  EXPECT_TRUE(info.ok()) << info.status().message();
  return info.ok() ? *info : CertInfo{};
}

class KeyTypeTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(KeyTypeTest, InitWritesPrivateKeyAndSelfSignedCa) {
  TestCa ca(GetParam());
  EXPECT_EQ(ModeOf(ca.path("ca.key")), 0600u);
  EXPECT_EQ(ModeOf(ca.path("ca.crt")), 0644u);
  EXPECT_EQ(ModeOf(ca.dir()), 0700u);
  EXPECT_NE(ca.Read("ca.key").find("BEGIN PRIVATE KEY"), std::string::npos);

  CertInfo info = MustRead(ca.path("ca.crt"));
  EXPECT_TRUE(info.is_ca);
  EXPECT_EQ(info.subject, "CN=dimctl CA");
  EXPECT_EQ(info.issuer, info.subject);
  EXPECT_EQ(info.key_type,
            GetParam() == KeyType::kP256 ? "P-256" : "Ed25519");
  int64_t days = (info.not_after_ms - info.not_before_ms) / kDayMs;
  EXPECT_EQ(days, 3650);
  EXPECT_LE(info.not_before_ms, testing::NowMs());
}

TEST_P(KeyTypeTest, OpensslAgreesTheCaIsACa) {
  if (OpensslPath().empty()) GTEST_SKIP() << "no openssl command";
  TestCa ca(GetParam());
  auto text = Openssl({"x509", "-noout", "-text", "-in", ca.path("ca.crt")});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("X509v3 Basic Constraints: critical"),
            std::string::npos);
  EXPECT_NE(text.out.find("CA:TRUE"), std::string::npos);
  EXPECT_NE(text.out.find("Certificate Sign, CRL Sign"), std::string::npos);
  EXPECT_NE(text.out.find("X509v3 Subject Key Identifier"),
            std::string::npos);
  auto verify = Openssl({"verify", "-CAfile", ca.path("ca.crt"),
                         ca.path("ca.crt")});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto key = Openssl({"pkey", "-noout", "-in", ca.path("ca.key")});
  EXPECT_EQ(key.exit_code, 0) << key.err;
}

TEST_P(KeyTypeTest, IssuedServerCertVerifiesWithOpenssl) {
  if (OpensslPath().empty()) GTEST_SKIP() << "no openssl command";
  TestCa ca(GetParam());
  ca.Issue("node-a", CertKind::kServer, GetParam());
  auto verify = Openssl({"verify", "-CAfile", ca.path("ca.crt"), "-purpose",
                         "sslserver", ca.path("node-a.crt")});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto text =
      Openssl({"x509", "-noout", "-text", "-in", ca.path("node-a.crt")});
  EXPECT_NE(text.out.find("DNS:localhost"), std::string::npos);
  EXPECT_NE(text.out.find("IP Address:127.0.0.1"), std::string::npos);
  EXPECT_NE(text.out.find("X509v3 Authority Key Identifier"),
            std::string::npos);
  EXPECT_NE(text.out.find("TLS Web Server Authentication"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Keys, KeyTypeTest,
                         ::testing::Values(KeyType::kP256,
                                           KeyType::kEd25519),
                         testing::KeyTypeParamName);

TEST(InitCaTest, CreatesMissingParentDirectories) {
  TempDir tmp;
  CaOptions options;
  options.dir = tmp.path() + "/a/b/certs/";
  auto files = InitCa(options);
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(files->key_path, tmp.path() + "/a/b/certs/ca.key");
  EXPECT_TRUE(Exists(files->cert_path));
}

TEST(InitCaTest, RefusesToOverwriteWithoutForce) {
  TestCa ca;
  std::string key = ca.Read("ca.key");
  CaOptions options;
  options.dir = ca.dir();
  auto again = InitCa(options);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  EXPECT_NE(again.status().message().find(ca.path("ca.key")),
            std::string::npos)
      << again.status().message();
  EXPECT_EQ(ca.Read("ca.key"), key);

  options.overwrite = Overwrite::kYes;
  auto forced = InitCa(options);
  ASSERT_TRUE(forced.ok()) << forced.status().message();
  EXPECT_NE(ca.Read("ca.key"), key);
  EXPECT_EQ(ModeOf(ca.path("ca.key")), 0600u);
}

TEST(InitCaTest, ChecksBothFilesBeforeWritingEither) {
  TempDir tmp;
  WriteFile(tmp.path() + "/ca.crt", "someone else's\n");
  CaOptions options;
  options.dir = tmp.path();
  auto files = InitCa(options);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find(tmp.path() + "/ca.crt"),
            std::string::npos);
  EXPECT_FALSE(Exists(tmp.path() + "/ca.key"));
  EXPECT_EQ(ReadFile(tmp.path() + "/ca.crt"), "someone else's\n");
}

TEST(InitCaTest, RejectsZeroDays) {
  TempDir tmp;
  CaOptions options;
  options.dir = tmp.path();
  options.days = 0;
  auto files = InitCa(options);
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), Code::kInvalidArgument);
}

TEST(IssueCertTest, ServerCertAlwaysNamesLocalhost) {
  TestCa ca;
  IssueOptions o = ca.Options("node-a", CertKind::kServer);
  o.ips = {"10.1.2.3", "::1", "127.0.0.1"};
  o.dns_names = {"node-a.example.org", "localhost"};
  auto files = IssueCert(o);
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(files->cert_path, ca.path("node-a.crt"));
  EXPECT_EQ(ModeOf(files->key_path), 0600u);

  CertInfo info = MustRead(files->cert_path);
  EXPECT_EQ(info.common_name, "node-a");
  EXPECT_EQ(info.dns_names,
            (std::vector<std::string>{"localhost", "node-a.example.org"}));
  EXPECT_EQ(info.ip_addresses,
            (std::vector<std::string>{"127.0.0.1", "10.1.2.3", "::1"}));
  EXPECT_EQ(info.extended_key_usage,
            (std::vector<std::string>{"serverAuth", "clientAuth"}));
  EXPECT_FALSE(info.is_ca);
  EXPECT_EQ(info.issuer, "CN=dimctl CA");
}

TEST(IssueCertTest, ClientCertCarriesTheUserIdOnly) {
  TestCa ca;
  ca.Issue("alice", CertKind::kClient);
  CertInfo info = MustRead(ca.path("alice.crt"));
  EXPECT_EQ(info.subject, "CN=alice");
  EXPECT_EQ(info.common_name, "alice");
  EXPECT_TRUE(info.dns_names.empty());
  EXPECT_TRUE(info.ip_addresses.empty());
  EXPECT_EQ(info.extended_key_usage, std::vector<std::string>{"clientAuth"});
  if (OpensslPath().empty()) return;
  auto verify = Openssl({"verify", "-CAfile", ca.path("ca.crt"), "-purpose",
                         "sslclient", ca.path("alice.crt")});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto server = Openssl({"verify", "-CAfile", ca.path("ca.crt"), "-purpose",
                         "sslserver", ca.path("alice.crt")});
  EXPECT_NE(server.exit_code, 0) << "a user certificate served TLS";
}

TEST(IssueCertTest, ValidityAndSerialFollowTheOptions) {
  TestCa ca;
  IssueOptions o = ca.Options("node-a", CertKind::kServer);
  o.days = 30;
  o.not_before_ms = 1700000000000;
  ASSERT_TRUE(IssueCert(o).ok());
  o.name = "node-b";
  ASSERT_TRUE(IssueCert(o).ok());
  CertInfo a = MustRead(ca.path("node-a.crt"));
  CertInfo b = MustRead(ca.path("node-b.crt"));
  EXPECT_EQ(a.not_before_ms, 1700000000000);
  EXPECT_EQ(a.not_after_ms, 1700000000000 + 30 * kDayMs);
  EXPECT_EQ(a.serial.size(), 32u) << a.serial;
  EXPECT_NE(a.serial, b.serial);
  EXPECT_NE(a.sha256_fingerprint, b.sha256_fingerprint);
}

TEST(IssueCertTest, FingerprintAndSerialMatchOpenssl) {
  if (OpensslPath().empty()) GTEST_SKIP() << "no openssl command";
  TestCa ca;
  ca.Issue("node-a", CertKind::kServer);
  CertInfo info = MustRead(ca.path("node-a.crt"));
  auto out = Openssl({"x509", "-noout", "-fingerprint", "-sha256", "-serial",
                      "-in", ca.path("node-a.crt")});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_NE(out.out.find("=" + info.sha256_fingerprint + "\n"),
            std::string::npos)
      << out.out;
  EXPECT_NE(out.out.find("serial=" + info.serial + "\n"), std::string::npos)
      << out.out;
  EXPECT_EQ(info.sha256_fingerprint.size(), 32u * 3 - 1);
}

TEST(IssueCertTest, RefusesToOverwriteWithoutForce) {
  TestCa ca;
  ca.Issue("node-a", CertKind::kServer);
  std::string cert = ca.Read("node-a.crt");
  auto again = IssueCert(ca.Options("node-a", CertKind::kServer));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  EXPECT_NE(again.status().message().find("node-a.key"), std::string::npos);
  EXPECT_EQ(ca.Read("node-a.crt"), cert);

  IssueOptions forced = ca.Options("node-a", CertKind::kServer);
  forced.overwrite = Overwrite::kYes;
  ASSERT_TRUE(IssueCert(forced).ok());
  EXPECT_NE(ca.Read("node-a.crt"), cert);
}

TEST(IssueCertTest, RejectsBadNamesAndAddresses) {
  TestCa ca;
  for (const char* name : {"", "../evil", "ca", ".hidden", "a b", "x/y"}) {
    auto r = IssueCert(ca.Options(name, CertKind::kServer));
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << name;
  }
  IssueOptions ip = ca.Options("node-a", CertKind::kServer);
  ip.ips = {"300.1.2.3"};
  auto bad_ip = IssueCert(ip);
  ASSERT_FALSE(bad_ip.ok());
  EXPECT_NE(bad_ip.status().message().find("'300.1.2.3'"),
            std::string::npos);
  IssueOptions dns = ca.Options("node-a", CertKind::kServer);
  dns.dns_names = {"a.example,DNS:evil.example"};
  EXPECT_EQ(IssueCert(dns).status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(Exists(ca.path("node-a.key")));
  EXPECT_FALSE(Exists(ca.path("node-a.crt")));
}

TEST(IssueCertTest, NeedsACa) {
  TempDir tmp;
  IssueOptions o;
  o.dir = tmp.path();
  o.name = "node-a";
  auto r = IssueCert(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find(tmp.path() + "/ca.key"),
            std::string::npos)
      << r.status().message();
}

TEST(IssueCertTest, RefusesACaKeyThatDoesNotMatchItsCertificate) {
  TestCa ca;
  TestCa other;
  WriteFile(ca.path("ca.key"), other.Read("ca.key"));
  auto r = IssueCert(ca.Options("node-a", CertKind::kServer));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("is not the key of"),
            std::string::npos)
      << r.status().message();
}

TEST(ReadCertTest, NamesTheFileItCannotRead) {
  TestCa ca;
  auto key = ReadCert(ca.path("ca.key"));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Code::kInvalidArgument);
  EXPECT_NE(key.status().message().find(ca.path("ca.key")),
            std::string::npos);
  // OpenSSL's own reason travels with the message.
  EXPECT_NE(key.status().message().find("PEM"), std::string::npos)
      << key.status().message();
  auto missing = ReadCert(ca.path("nope.crt"));
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST(ReadCertTest, ParsesPemText) {
  TestCa ca;
  auto info = ParseCert(ca.Read("ca.crt"));
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_TRUE(info->is_ca);
}

TEST(KeyTypeNameTest, RoundTripsAndRejectsUnknown) {
  for (KeyType t : {KeyType::kP256, KeyType::kEd25519}) {
    auto parsed = ParseKeyType(KeyTypeName(t));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, t);
  }
  auto rsa = ParseKeyType("rsa");
  ASSERT_FALSE(rsa.ok());
  EXPECT_NE(rsa.status().message().find("'rsa'"), std::string::npos);
}

TEST(DefaultCertDirTest, FollowsXdgConfigHomeThenHome) {
  const char* home = std::getenv("HOME");
  std::string saved_home = home != nullptr ? home : "";
  setenv("XDG_CONFIG_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(DefaultCertDir(), "/tmp/xdg-test/dimctl/certs");
  unsetenv("XDG_CONFIG_HOME");
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(DefaultCertDir(), "/home/someone/.config/dimctl/certs");
  setenv("HOME", saved_home.c_str(), 1);
}

}  // namespace
}  // namespace dim::security
