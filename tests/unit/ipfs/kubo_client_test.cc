// KuboClient against real Kubo daemons (tests/support/kubo.h).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "core/ipfs/client.h"
#include "tests/support/kubo.h"

namespace dim::ipfs {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

#define SKIP_WITHOUT_KUBO()                                          \
  if (!testing::KuboAvailable()) {                                   \
    GTEST_SKIP() << "the ipfs command (Kubo) is not installed";      \
  }

std::string AllByteValues() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

// A loopback port that nothing listens on (bound, then released).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// One daemon for the suite: starting one takes about half a second.
class KuboClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (testing::KuboAvailable()) daemon_ = new testing::KuboDaemon();
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  void SetUp() override {
    SKIP_WITHOUT_KUBO();
    ASSERT_TRUE(daemon_->ok()) << daemon_->error();
    Options options;
    options.api = daemon_->api();
    client_ = NewKuboClient(options);
  }

  static testing::KuboDaemon* daemon_;
  std::unique_ptr<Client> client_;
};

testing::KuboDaemon* KuboClientTest::daemon_ = nullptr;

TEST_F(KuboClientTest, ReportsThePeerId) {
  Result<std::string> id = client_->Id();
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, daemon_->peer_id());
}

TEST_F(KuboClientTest, AddAndCatRoundTripBinaryBytes) {
  std::mt19937 random(7);
  std::string big;
  for (int i = 0; i < (1 << 20) + 3; ++i) {
    big.push_back(static_cast<char>(random() & 0xff));
  }
  for (const std::string& bytes :
       {AllByteValues(), std::string(), std::string("\n\0\r\n", 4), big}) {
    Result<std::string> cid = client_->Add(bytes);
    ASSERT_TRUE(cid.ok()) << cid.status().message();
    EXPECT_FALSE(cid->empty());
    EXPECT_EQ(cid->find_first_of(" \n"), std::string::npos) << *cid;
    Result<std::string> back = client_->Cat(*cid, 4 << 20);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_TRUE(*back == bytes) << "size " << bytes.size() << " came back as "
                                << back->size();
  }
}

TEST_F(KuboClientTest, CatRefusesContentOverMaxBytes) {
  Result<std::string> cid = client_->Add(std::string(1000, 'x'));
  ASSERT_TRUE(cid.ok()) << cid.status().message();

  Result<std::string> exact = client_->Cat(*cid, 1000);
  ASSERT_TRUE(exact.ok()) << exact.status().message();
  EXPECT_EQ(exact->size(), 1000u);

  Result<std::string> over = client_->Cat(*cid, 999);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(over.status().message(),
            "ipfs cat " + *cid +
                ": content is larger than the limit of 999 bytes");
  EXPECT_FALSE(client_->Cat(*cid, 0).ok());
  EXPECT_TRUE(client_->health().ok);  // the daemon did nothing wrong
}

TEST_F(KuboClientTest, CatOfAnInvalidPathSaysWhatTheDaemonSaid) {
  Result<std::string> bad = client_->Cat("QmNotACid", 100);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("ipfs cat QmNotACid: Error: ", 0),
            0u) << bad.status().message();
  EXPECT_EQ(client_->Cat("", 100).status().code(), Code::kInvalidArgument);
}

TEST_F(KuboClientTest, GeneratesAndListsKeys) {
  Result<Key> key = client_->GenerateKey("dim-registry");
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->name, "dim-registry");
  EXPECT_FALSE(key->id.empty());

  Result<std::vector<Key>> keys = client_->ListKeys();
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  bool found = false, self = false;
  for (const Key& k : *keys) {
    found |= k.name == key->name && k.id == key->id;
    self |= k.name == "self";
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(self);

  Result<Key> again = client_->GenerateKey("dim-registry");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  EXPECT_NE(again.status().message().find("ipfs key gen dim-registry: "),
            std::string::npos);
}

TEST_F(KuboClientTest, PublishesAndResolvesAName) {
  Result<Key> key = client_->GenerateKey("dim-snapshot");
  ASSERT_TRUE(key.ok()) << key.status().message();
  Result<std::string> cid = client_->Add("registry snapshot 1");
  ASSERT_TRUE(cid.ok()) << cid.status().message();

  Result<std::string> name =
      client_->PublishName("dim-snapshot", *cid, std::chrono::seconds(1));
  ASSERT_TRUE(name.ok()) << name.status().message();
  EXPECT_EQ(*name, key->id);

  for (const std::string& query : {"/ipns/" + *name, *name}) {
    Result<std::string> resolved = client_->ResolveName(query);
    ASSERT_TRUE(resolved.ok()) << resolved.status().message();
    EXPECT_EQ(*resolved, *cid);
  }
}

// The daemon caches what it resolved; a second publication must still be
// what the next resolve answers (a restarted orchestrator must not load
// the snapshot before last).
TEST_F(KuboClientTest, ResolveAnswersTheNewestPublication) {
  ASSERT_TRUE(client_->GenerateKey("dim-twice").ok());
  Result<std::string> first = client_->Add("registry snapshot 1");
  Result<std::string> second = client_->Add("registry snapshot 2");
  ASSERT_TRUE(first.ok() && second.ok());
  Result<std::string> name =
      client_->PublishName("dim-twice", *first, std::chrono::minutes(5));
  ASSERT_TRUE(name.ok()) << name.status().message();
  // `ipfs name resolve` without --nocache fills the daemon's cache.
  ASSERT_EQ(daemon_->Ipfs({"name", "resolve", *name}).exit_code, 0);
  ASSERT_TRUE(client_->PublishName("dim-twice", *second,
                                   std::chrono::minutes(5)).ok());
  Result<std::string> resolved = client_->ResolveName(*name);
  ASSERT_TRUE(resolved.ok()) << resolved.status().message();
  EXPECT_EQ(*resolved, *second);
}

TEST_F(KuboClientTest, PublishingUnderAMissingKeyIsNotFound) {
  Result<std::string> cid = client_->Add("x");
  ASSERT_TRUE(cid.ok());
  Result<std::string> name = client_->PublishName(
      "dim-no-such-key", *cid, std::chrono::milliseconds(0));
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().code(), Code::kNotFound)
      << name.status().message();
}

TEST_F(KuboClientTest, UnknownNameIsNotFound) {
  // A valid IPNS name of a key that never published anything.
  testing::RunResult gen = daemon_->Ipfs({"key", "gen", "dim-unused"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  ASSERT_EQ(daemon_->Ipfs({"key", "rm", "dim-unused"}).exit_code, 0);
  std::string id = gen.out.substr(0, gen.out.find('\n'));
  Result<std::string> resolved = client_->ResolveName(id);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.status().code(), Code::kNotFound)
      << resolved.status().message();
  EXPECT_NE(resolved.status().message().find("ipfs name resolve " + id),
            std::string::npos);
}

TEST_F(KuboClientTest, CallTimesOutOnContentNobodyHas) {
  // The daemon searches for a block no peer has until the client gives
  // up: a real hang, bounded by Options::timeout.
  testing::RunResult hash =
      daemon_->Ipfs({"add", "-Q", "--only-hash", "--", "/etc/hostname"});
  ASSERT_EQ(hash.exit_code, 0) << hash.err;
  std::string cid = hash.out.substr(0, hash.out.find('\n'));
  Options options;
  options.api = daemon_->api();
  options.timeout = milliseconds(500);
  auto client = NewKuboClient(options);

  auto start = Clock::now();
  Result<std::string> out = client->Cat(cid, 100);
  EXPECT_LT(Clock::now() - start, milliseconds(3000));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(out.status().message(),
            "ipfs cat " + cid + ": timed out after 500ms");
  EXPECT_FALSE(client->health().ok);
}

TEST(KuboClient, UnreachableApiIsUnavailable) {
  SKIP_WITHOUT_KUBO();
  Options options;
  options.api = "/ip4/127.0.0.1/tcp/" + std::to_string(ClosedPort());
  auto client = NewKuboClient(options);
  Status published = client->Publish("dim.nodes.heartbeat", "beat");
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.code(), Code::kUnavailable);
  EXPECT_EQ(published.message().rfind("ipfs pubsub pub dim.nodes.heartbeat: "
                                      "Error: cannot connect to the api",
                                      0),
            0u)
      << published.message();
  EXPECT_EQ(client->Id().status().code(), Code::kUnavailable);
}

TEST(KuboClient, MissingCommandFailsClearly) {
  Options options;
  options.command = "dim-no-such-ipfs";
  auto client = NewKuboClient(options);
  Result<std::string> id = client->Id();
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), Code::kUnavailable);
  EXPECT_EQ(id.status().message(),
            "ipfs id: cannot run 'dim-no-such-ipfs' (not found; set [ipfs] "
            "command in dim.toml)");
}

TEST(KuboClient, TimeoutKillsAHangingCommand) {
  // A stand-in for a daemon that accepts the call and never answers.
  testing::TempDir dir;
  std::string script = dir.path() + "/ipfs";
  testing::WriteFile(script, "#!/bin/sh\necho $$ > " + dir.path() +
                                 "/pid\nexec sleep 60\n");
  chmod(script.c_str(), 0755);
  Options options;
  options.command = script;
  options.timeout = milliseconds(200);
  auto client = NewKuboClient(options);

  auto start = Clock::now();
  Status published = client->Publish("dim.nodes.heartbeat", "beat");
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.code(), Code::kDeadlineExceeded);
  EXPECT_EQ(published.message(),
            "ipfs pubsub pub dim.nodes.heartbeat: timed out after 200ms");
  pid_t pid = std::atoi(testing::ReadFile(dir.path() + "/pid").c_str());
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(testing::ReadFile("/proc/" + std::to_string(pid) + "/stat")
                  .empty())
      << "the child is still there";
}

TEST(KuboClient, HealthCountsFailuresAndRecovers) {
  SKIP_WITHOUT_KUBO();
  testing::KuboDaemon daemon;
  ASSERT_TRUE(daemon.ok()) << daemon.error();
  Options options;
  options.api = daemon.api();
  auto client = NewKuboClient(options);

  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(client->Id().ok());
  daemon.Kill();
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(client->Id().ok());
  Health down = client->health();
  ASSERT_TRUE(daemon.Restart()) << daemon.error();
  ASSERT_EQ(daemon.api(), options.api) << "restarted on another port";
  Result<std::string> id = client->Id();
  Health up = client->health();
  ASSERT_TRUE(client->Id().ok());
  std::string log = ::testing::internal::GetCapturedStderr();

  EXPECT_FALSE(down.ok);
  EXPECT_EQ(down.failures, 3u);
  EXPECT_NE(down.last_error.find("ipfs id: Error: cannot connect"),
            std::string::npos) << down.last_error;
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_TRUE(up.ok);
  EXPECT_EQ(up.failures, 3u);  // a running total, kept after recovery
  EXPECT_EQ(Count(log, "WARN ipfs: "), 1u) << log;
  EXPECT_NE(log.find("keeps serving on what it knows"), std::string::npos)
      << log;
  EXPECT_EQ(Count(log, "INFO ipfs: ipfs daemon reachable again"), 1u)
      << log;
}

}  // namespace
}  // namespace dim::ipfs
