// Client over Kubo's command line: each call is one `ipfs` process (about
// 40 ms against a local daemon), which keeps dimctl free of an HTTP client
// and of Kubo's RPC details, at a cost that heartbeats and snapshots can
// afford.
#include <algorithm>
#include <limits>
#include <sstream>

#include "core/ipfs/client.h"
#include "core/ipfs/command.h"
#include "core/ipfs/health.h"
#include "core/ipfs/kubo_errors.h"
#include "core/ipfs/subscription.h"

namespace dim::ipfs {
namespace {

constexpr char kHint[] = "set [ipfs] command in dim.toml";

// Names, topics and CIDs go on the command line after "--", but an empty
// one would still be read as a missing argument.
Status CheckArgument(const std::string& what, const std::string& value,
                     const std::string& label) {
  if (value.empty()) return InvalidArgument(label + ": empty " + what);
  if (value.find('\0') != std::string::npos) {
    return InvalidArgument(label + ": " + what + " contains a NUL byte");
  }
  return Status::Ok();
}

class KuboClient : public Client {
 public:
  explicit KuboClient(const Options& options)
      : options_(options), health_(std::make_shared<HealthTracker>()) {}

  Result<std::string> Id() override;
  Result<std::string> Add(const std::string& bytes) override;
  Result<std::string> Cat(const std::string& cid, int64_t max_bytes) override;
  Status Publish(const std::string& topic, const std::string& bytes) override;
  Result<std::vector<Key>> ListKeys() override;
  Result<Key> GenerateKey(const std::string& name) override;
  Result<std::string> PublishName(const std::string& key_name,
                                  const std::string& cid,
                                  std::chrono::milliseconds ttl) override;
  Result<std::string> ResolveName(const std::string& name) override;
  std::unique_ptr<Subscription> Subscribe(
      const std::string& topic,
      std::function<void(const Message&)> on_message) override;
  Health health() const override { return health_->Get(); }

 private:
  // `ipfs [--api=...] ARGS...`
  std::vector<std::string> Argv(std::vector<std::string> args) const;
  // Runs `ipfs ARGS` and returns its stdout; `label` names the call in
  // errors. Every outcome is recorded in health_.
  Result<std::string> Run(const std::string& label,
                          std::vector<std::string> args,
                          const std::string& input = "",
                          size_t max_output = 64 << 20);
  // Run, then the first line of stdout, which must not be empty.
  Result<std::string> RunForLine(const std::string& label,
                                 std::vector<std::string> args,
                                 const std::string& input = "");

  const Options options_;
  const std::shared_ptr<HealthTracker> health_;
};

std::vector<std::string> KuboClient::Argv(
    std::vector<std::string> args) const {
  std::vector<std::string> argv{options_.command};
  if (!options_.api.empty()) argv.push_back("--api=" + options_.api);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

Result<std::string> KuboClient::Run(const std::string& label,
                                    std::vector<std::string> args,
                                    const std::string& input,
                                    size_t max_output) {
  CommandRequest request;
  request.argv = Argv(std::move(args));
  request.input = input;
  request.timeout = options_.timeout;
  request.max_output = max_output;
  request.hint = kHint;
  Result<CommandOutput> ran = RunCommand(request);
  Status status = ran.ok() ? Status::Ok() : ran.status().WithContext(label);
  if (ran.ok() && ran->exit_code != 0) {
    status = CommandFailure(label, *ran);
  }
  if (status.code() == Code::kUnavailable && !options_.api.empty()) {
    status = Status(status.code(),
                    status.message() + " (daemon API " + options_.api + ")");
  }
  health_->Record(status);
  if (!status.ok()) return status;
  return std::move(ran->out);
}

Result<std::string> KuboClient::RunForLine(const std::string& label,
                                           std::vector<std::string> args,
                                           const std::string& input) {
  Result<std::string> out = Run(label, std::move(args), input);
  if (!out.ok()) return out;
  std::string line = Trim(out->substr(0, out->find('\n')));
  if (line.empty()) return Internal(label + ": printed nothing");
  return line;
}

Result<std::string> KuboClient::Id() {
  return RunForLine("ipfs id", {"id", "-f", "<id>"});
}

Result<std::string> KuboClient::Add(const std::string& bytes) {
  // --quieter prints only the root CID, whatever the input looks like.
  return RunForLine("ipfs add", {"add", "--quieter", "--pin=true"}, bytes);
}

Result<std::string> KuboClient::Cat(const std::string& cid,
                                    int64_t max_bytes) {
  std::string label = "ipfs cat " + cid;
  DIM_RETURN_IF_ERROR(CheckArgument("CID", cid, label));
  if (max_bytes < 0) return InvalidArgument(label + ": negative max_bytes");
  // One byte more than allowed tells "exactly max_bytes" from "more", and
  // --length keeps the daemon from sending the rest of a large file.
  int64_t cap = std::min<int64_t>(max_bytes, (int64_t{1} << 40));
  Result<std::string> out =
      Run(label, {"cat", "--length=" + std::to_string(cap + 1), "--", cid},
          "", static_cast<size_t>(cap));
  if (!out.ok() && out.status().code() == Code::kResourceExhausted) {
    return ResourceExhausted(label + ": content is larger than the limit of " +
                             std::to_string(max_bytes) + " bytes");
  }
  return out;
}

Status KuboClient::Publish(const std::string& topic,
                           const std::string& bytes) {
  std::string label = "ipfs pubsub pub " + topic;
  DIM_RETURN_IF_ERROR(CheckArgument("topic", topic, label));
  Result<std::string> out = Run(label, {"pubsub", "pub", "--", topic}, bytes);
  return out.ok() ? Status::Ok() : out.status();
}

Result<std::vector<Key>> KuboClient::ListKeys() {
  Result<std::string> out = Run("ipfs key list", {"key", "list", "-l"});
  if (!out.ok()) return out.status();
  // One "ID NAME" line per key; names are padded with spaces.
  std::vector<Key> keys;
  std::istringstream lines(*out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    Key key;
    if (!(fields >> key.id)) continue;
    std::getline(fields, key.name);
    key.name = Trim(key.name);
    if (key.name.empty()) {
      return Internal("ipfs key list: cannot read the line \"" + line + "\"");
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

Result<Key> KuboClient::GenerateKey(const std::string& name) {
  std::string label = "ipfs key gen " + name;
  DIM_RETURN_IF_ERROR(CheckArgument("key name", name, label));
  Result<std::string> id = RunForLine(label, {"key", "gen", "--", name});
  if (!id.ok()) return id.status();
  return Key{name, std::move(id).value()};
}

Result<std::string> KuboClient::PublishName(const std::string& key_name,
                                            const std::string& cid,
                                            std::chrono::milliseconds ttl) {
  std::string label = "ipfs name publish --key=" + key_name + " " + cid;
  DIM_RETURN_IF_ERROR(CheckArgument("key name", key_name, label));
  DIM_RETURN_IF_ERROR(CheckArgument("CID", cid, label));
  std::vector<std::string> args = {"name", "publish", "--allow-offline",
                                   "--key=" + key_name};
  if (ttl.count() > 0) {
    args.push_back("--ttl=" + std::to_string(ttl.count()) + "ms");
  }
  args.insert(args.end(), {"--", "/ipfs/" + cid});
  Result<std::string> line = RunForLine(label, args);
  if (!line.ok()) return line;
  // "Published to <name>: /ipfs/<cid>"
  const std::string prefix = "Published to ";
  size_t colon = line->find(':', prefix.size());
  if (line->compare(0, prefix.size(), prefix) != 0 ||
      colon == std::string::npos || colon == prefix.size()) {
    return Internal(label + ": unexpected output \"" + *line + "\"");
  }
  return line->substr(prefix.size(), colon - prefix.size());
}

Result<std::string> KuboClient::ResolveName(const std::string& name) {
  std::string label = "ipfs name resolve " + name;
  DIM_RETURN_IF_ERROR(CheckArgument("name", name, label));
  std::string path = name.rfind("/ipns/", 0) == 0 ? name : "/ipns/" + name;
  Result<std::string> line =
      RunForLine(label, {"name", "resolve", "--nocache", "--", path});
  if (!line.ok()) return line;
  const std::string prefix = "/ipfs/";
  if (line->rfind(prefix, 0) != 0 || line->size() == prefix.size()) {
    return Internal(label + ": unexpected output \"" + *line + "\"");
  }
  return line->substr(prefix.size());
}

std::unique_ptr<Subscription> KuboClient::Subscribe(
    const std::string& topic,
    std::function<void(const Message&)> on_message) {
  SubscriberSpec spec;
  spec.argv = Argv({"pubsub", "sub", "--enc=json", "--", topic});
  spec.label = "ipfs pubsub sub " + topic;
  spec.hint = kHint;
  return std::make_unique<KuboSubscription>(std::move(spec), health_,
                                            std::move(on_message));
}

}  // namespace

std::unique_ptr<Client> NewKuboClient(const Options& options) {
  return std::make_unique<KuboClient>(options);
}

}  // namespace dim::ipfs
