#include "core/security/signature.h"

#include <gtest/gtest.h>

#include "core/security/cert_info.h"
#include "tests/unit/security/test_ca.h"

namespace dim::security {
namespace {

using testing::NowMs;
using testing::TestCa;

constexpr int64_t kDayMs = 86400 * 1000LL;

bool Contains(const Status& st, const std::string& text) {
  return st.message().find(text) != std::string::npos;
}

class SignatureTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(SignatureTest, VerifiesWhatTheKeySigned) {
  TestCa ca(GetParam());
  ca.Issue("node-a", CertKind::kServer, GetParam());
  std::string data = "heartbeat node-a seq=7";
  auto sig = SignBytes(ca.Read("node-a.key"), data);
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  Status st = VerifySignature(ca.Read("node-a.crt"), data, *sig);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST_P(SignatureTest, DetectsTamperedDataAndSignature) {
  TestCa ca(GetParam());
  ca.Issue("node-a", CertKind::kServer, GetParam());
  std::string cert = ca.Read("node-a.crt");
  auto sig = SignBytes(ca.Read("node-a.key"), "load=0.25");
  ASSERT_TRUE(sig.ok()) << sig.status().message();

  Status data = VerifySignature(cert, "load=0.05", *sig);
  EXPECT_EQ(data.code(), Code::kUnauthenticated);
  EXPECT_TRUE(Contains(data, "node-a")) << data.message();

  std::string flipped = *sig;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_EQ(VerifySignature(cert, "load=0.25", flipped).code(),
            Code::kUnauthenticated);
  EXPECT_EQ(VerifySignature(cert, "load=0.25", "").code(),
            Code::kUnauthenticated);
}

TEST_P(SignatureTest, RejectsSignatureByAnotherNodesKey) {
  TestCa ca(GetParam());
  ca.Issue("node-a", CertKind::kServer, GetParam());
  ca.Issue("node-b", CertKind::kServer, GetParam());
  auto sig = SignBytes(ca.Read("node-b.key"), "i am node-a");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(VerifySignature(ca.Read("node-a.crt"), "i am node-a", *sig)
                .code(),
            Code::kUnauthenticated);
}

INSTANTIATE_TEST_SUITE_P(Keys, SignatureTest,
                         ::testing::Values(KeyType::kP256,
                                           KeyType::kEd25519),
                         testing::KeyTypeParamName);

TEST(SignBytesTest, NamesWhatIsWrongWithTheKey) {
  auto sig = SignBytes("not a key", "data");
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(sig.status(), "no private key in signing key"))
      << sig.status().message();
}

TEST(VerifyChainTest, AcceptsCertificateFromTheCa) {
  TestCa ca;
  ca.Issue("node-a", CertKind::kServer);
  Status st = VerifyChain(ca.Read("node-a.crt"), ca.Read("ca.crt"), NowMs());
  EXPECT_TRUE(st.ok()) << st.message();
}

// Both CAs are called "dimctl CA", so only the keys tell them apart.
TEST(VerifyChainTest, RejectsCertificateFromAnotherCa) {
  TestCa ours;
  TestCa theirs(KeyType::kP256, "other");
  theirs.Issue("node-a", CertKind::kServer);
  Status st =
      VerifyChain(theirs.Read("node-a.crt"), ours.Read("ca.crt"), NowMs());
  EXPECT_EQ(st.code(), Code::kUnauthenticated);
  EXPECT_EQ(st.message(),
            "certificate for node-a is not signed by the configured CA");
}

TEST(VerifyChainTest, RejectsTheCaItselfFromAnotherCa) {
  TestCa ours;
  TestCa theirs(KeyType::kEd25519, "other");
  Status st = VerifyChain(theirs.Read("ca.crt"), ours.Read("ca.crt"),
                          NowMs());
  EXPECT_EQ(st.code(), Code::kUnauthenticated) << st.message();
}

TEST(VerifyChainTest, RejectsExpiredCertificateWithItsEndTime) {
  TestCa ca;
  IssueOptions o = ca.Options("node-a", CertKind::kServer);
  o.not_before_ms = 1700000000000;  // 2023-11-14T22:13:20Z
  o.days = 1;
  ASSERT_TRUE(IssueCert(o).ok());
  Status st = VerifyChain(ca.Read("node-a.crt"), ca.Read("ca.crt"), NowMs());
  EXPECT_EQ(st.code(), Code::kUnauthenticated);
  EXPECT_EQ(st.message(),
            "certificate for node-a expired at 2023-11-15T22:13:20Z");
}

TEST(VerifyChainTest, JudgesValidityAtTheGivenTime) {
  TestCa ca;
  IssueOptions o = ca.Options("node-a", CertKind::kServer);
  o.not_before_ms = NowMs() + 2 * kDayMs;
  o.days = 1;
  ASSERT_TRUE(IssueCert(o).ok());
  std::string cert = ca.Read("node-a.crt");
  Status early = VerifyChain(cert, ca.Read("ca.crt"), NowMs());
  EXPECT_EQ(early.code(), Code::kUnauthenticated);
  EXPECT_TRUE(Contains(early, "node-a is not valid before")) << early.message();
  Status later =
      VerifyChain(cert, ca.Read("ca.crt"), NowMs() + 2 * kDayMs + 60000);
  EXPECT_TRUE(later.ok()) << later.message();
}

TEST(VerifyChainTest, RejectsWhenTheCaHasExpired) {
  dim::testing::TempDir tmp;
  CaOptions options;
  options.dir = tmp.path();
  options.not_before_ms = NowMs() - 10 * kDayMs;
  options.days = 5;
  ASSERT_TRUE(InitCa(options).ok());
  IssueOptions o;
  o.dir = tmp.path();
  o.name = "node-a";
  ASSERT_TRUE(IssueCert(o).ok());
  std::string cert = dim::testing::ReadFile(tmp.path() + "/node-a.crt");
  std::string ca = dim::testing::ReadFile(tmp.path() + "/ca.crt");
  Status st = VerifyChain(cert, ca, NowMs());
  EXPECT_EQ(st.code(), Code::kUnauthenticated);
  EXPECT_TRUE(Contains(st, "CA certificate dimctl CA expired at"))
      << st.message();
}

TEST(VerifyChainTest, ReportsUnreadablePem) {
  TestCa ca;
  Status st = VerifyChain("garbage", ca.Read("ca.crt"), NowMs());
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(st, "no certificate in peer certificate"))
      << st.message();
}

TEST(CheckKeyMatchesCertTest, CatchesSwappedFiles) {
  TestCa ca;
  ca.Issue("node-a", CertKind::kServer);
  ca.Issue("node-b", CertKind::kServer);
  EXPECT_TRUE(
      CheckKeyMatchesCert(ca.Read("node-a.key"), ca.Read("node-a.crt")).ok());
  Status st =
      CheckKeyMatchesCert(ca.Read("node-b.key"), ca.Read("node-a.crt"));
  EXPECT_EQ(st.code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Contains(st, "node-a")) << st.message();
}

TEST(CommonNameTest, ReturnsTheIdTheCertificateClaims) {
  TestCa ca;
  ca.Issue("alice", CertKind::kClient);
  auto cn = CommonName(ca.Read("alice.crt"));
  ASSERT_TRUE(cn.ok()) << cn.status().message();
  EXPECT_EQ(*cn, "alice");
  EXPECT_FALSE(CommonName("nope").ok());
}

}  // namespace
}  // namespace dim::security
