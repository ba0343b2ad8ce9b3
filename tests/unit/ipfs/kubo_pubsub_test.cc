// Pubsub through KuboClient between real Kubo daemons.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <mutex>
#include <set>
#include <thread>

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

// Collects what a subscription delivers, for the test thread to wait on.
class Inbox {
 public:
  std::function<void(const Message&)> Callback() {
    return [this](const Message& m) {
      std::lock_guard<std::mutex> lock(mutex_);
      messages_.push_back(m);
    };
  }
  bool Has(const std::string& data) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Message& m : messages_) {
      if (m.data == data) return true;
    }
    return false;
  }
  std::vector<Message> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }

 private:
  std::mutex mutex_;
  std::vector<Message> messages_;
};

// Subscriptions take a moment to propagate, and messages sent before are
// lost: publish until the message arrives or `timeout` passes.
bool PublishUntilReceived(Client* client, const std::string& topic,
                          const std::string& data, Inbox* inbox,
                          milliseconds timeout = milliseconds(30000)) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    client->Publish(topic, data);
    for (int i = 0; i < 10; ++i) {
      if (inbox->Has(data)) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  return inbox->Has(data);
}

std::string AllByteValues() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

std::unique_ptr<Client> ClientFor(const testing::KuboDaemon& daemon) {
  Options options;
  options.api = daemon.api();
  return NewKuboClient(options);
}

TEST(KuboPubsub, DeliversExactBytesBetweenTwoDaemons) {
  SKIP_WITHOUT_KUBO();
  testing::KuboDaemon a, b;
  ASSERT_TRUE(a.ok()) << a.error();
  ASSERT_TRUE(b.ok()) << b.error();
  ASSERT_TRUE(b.Connect(a)) << b.error();
  auto sender = ClientFor(a);
  auto receiver = ClientFor(b);

  Inbox inbox;
  auto subscription = receiver->Subscribe("dim.test", inbox.Callback());
  const std::string payloads[] = {
      AllByteValues(), std::string(), std::string("\n\n{\"x\":1}\n"),
      std::string(100000, '\xff')};
  for (const std::string& payload : payloads) {
    ASSERT_TRUE(PublishUntilReceived(sender.get(), "dim.test", payload,
                                     &inbox))
        << "payload of " << payload.size() << " bytes never arrived";
  }
  for (const Message& m : inbox.messages()) {
    EXPECT_EQ(m.from, a.peer_id());
    EXPECT_FALSE(m.seqno.empty());
  }
  EXPECT_TRUE(subscription->running());
  EXPECT_EQ(subscription->malformed_lines(), 0u);
  EXPECT_TRUE(receiver->health().ok);
}

TEST(KuboPubsub, StopsPromptly) {
  SKIP_WITHOUT_KUBO();
  testing::KuboDaemon daemon;
  ASSERT_TRUE(daemon.ok()) << daemon.error();
  auto client = ClientFor(daemon);
  Inbox inbox;
  auto subscription = client->Subscribe("dim.stop", inbox.Callback());
  ASSERT_TRUE(PublishUntilReceived(client.get(), "dim.stop", "x", &inbox));

  auto start = Clock::now();
  subscription.reset();
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  testing::RunResult peers = daemon.Ipfs({"pubsub", "ls"});
  EXPECT_EQ(peers.out.find("dim.stop"), std::string::npos)
      << "the daemon still has a subscriber";
}

TEST(KuboPubsub, StopsPromptlyWhileWaitingToRestart) {
  Options options;
  options.command = "dim-no-such-ipfs";
  auto client = NewKuboClient(options);
  Inbox inbox;
  auto subscription = client->Subscribe("dim.t", inbox.Callback());
  std::this_thread::sleep_for(milliseconds(500));  // a few failed starts
  EXPECT_FALSE(subscription->running());
  Health health = client->health();
  EXPECT_FALSE(health.ok);
  EXPECT_GE(health.failures, 2u);
  EXPECT_EQ(health.last_error,
            "ipfs pubsub sub dim.t: cannot run 'dim-no-such-ipfs' (not "
            "found; set [ipfs] command in dim.toml)");

  auto start = Clock::now();
  subscription.reset();
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
}

TEST(KuboPubsub, SurvivesTheDaemonBeingKilledAndRestarted) {
  SKIP_WITHOUT_KUBO();
  testing::KuboDaemon daemon;
  ASSERT_TRUE(daemon.ok()) << daemon.error();
  // The client keeps the API address it was given; Restart brings the
  // daemon back on the same port.
  auto client = ClientFor(daemon);
  Inbox inbox;
  auto subscription = client->Subscribe("dim.restart", inbox.Callback());
  ASSERT_TRUE(
      PublishUntilReceived(client.get(), "dim.restart", "before", &inbox));

  std::string api = daemon.api();
  daemon.Kill();
  auto deadline = Clock::now() + milliseconds(5000);
  while (client->health().ok && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  Health down = client->health();
  EXPECT_FALSE(down.ok);
  EXPECT_NE(down.last_error.find("ipfs pubsub sub dim.restart: "),
            std::string::npos) << down.last_error;

  ASSERT_TRUE(daemon.Restart()) << daemon.error();
  ASSERT_EQ(daemon.api(), api) << "restarted on another port";
  ASSERT_TRUE(
      PublishUntilReceived(client.get(), "dim.restart", "after", &inbox))
      << "last error: " << client->health().last_error;
  EXPECT_TRUE(subscription->running());
  EXPECT_TRUE(client->health().ok);
}

TEST(KuboPubsub, SkipsAndCountsLinesItCannotRead) {
  // A stand-in subscriber that prints what a broken or future daemon
  // might: the good lines must still arrive, in order.
  testing::TempDir dir;
  std::string script = dir.path() + "/ipfs";
  std::string good1 = R"({"from":"p","data":"uYQ","seqno":"u"})";
  std::string good2 = R"({"from":"p","data":"uYg"})";
  testing::WriteFile(
      script,
      "#!/bin/sh\n"
      "printf '%s\\n' 'not json' '" + good1 + "' '{\"from\":1}'\n"
      "head -c 3000000 /dev/zero | tr '\\0' x\n"  // one over-long line
      "printf '\\n%s\\n' '" + good2 + "'\n"
      "printf '{\"from\":\"p\",\"data\":\"u\"'\n"  // cut off at exit
      "exec sleep 60\n");
  chmod(script.c_str(), 0755);
  Options options;
  options.command = script;
  auto client = NewKuboClient(options);
  Inbox inbox;
  auto subscription = client->Subscribe("dim.t", inbox.Callback());

  auto deadline = Clock::now() + milliseconds(10000);
  while (!inbox.Has("b") && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::vector<Message> got = inbox.messages();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data, "a");
  EXPECT_EQ(got[1].data, "b");
  EXPECT_EQ(subscription->malformed_lines(), 3u);
  EXPECT_TRUE(client->health().ok);
}

}  // namespace
}  // namespace dim::ipfs
