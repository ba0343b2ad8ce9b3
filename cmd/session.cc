#include "cmd/session.h"

#include <iostream>

#include "cmd/render.h"
#include "core/config/config.h"
#include "core/rpc/credentials.h"

namespace dim::cli {

Result<rpc::ClientOptions> ClientOptionsFromEnv() {
  rpc::ClientOptions options;
  options.max_message_bytes =
      static_cast<int>(config::LimitsConfig().max_message_bytes);
  auto env = config::ProcessEnvironment();
  rpc::TlsFiles files;
  files.ca = env["DIM_CACERT"];
  files.ca_from = "DIM_CACERT";
  files.cert = env["DIM_CERT"];
  files.cert_from = "DIM_CERT";
  files.key = env["DIM_KEY"];
  files.key_from = "DIM_KEY";
  if (files.cert.empty() != files.key.empty()) {
    return InvalidArgument("DIM_CERT and DIM_KEY go together: set both or "
                           "neither");
  }
  if (!files.cert.empty() && files.ca.empty()) {
    return InvalidArgument("DIM_CERT needs DIM_CACERT: a client certificate "
                           "is only sent over TLS");
  }
  if (!files.ca.empty()) {
    auto credentials = rpc::ChannelCredentialsFrom(files);
    // The user's environment is at fault, whatever the file's problem.
    if (!credentials.ok()) {
      return InvalidArgument(credentials.status().message());
    }
    options.credentials = std::move(credentials).value();
    options.client_certificate = !files.cert.empty();
  }
  options.token = env["DIM_TOKEN"];
  return options;
}

Result<rpc::OrchestratorClient> Connect(const Globals& g) {
  auto options = ClientOptionsFromEnv();
  if (!options.ok()) return options.status();
  return rpc::OrchestratorClient(g.addr, *options);
}

job::JobLimits ClientJobLimits() {
  return job::JobLimitsFrom(config::LimitsConfig());
}

tensor::Limits ClientTensorLimits() {
  config::LimitsConfig l;
  return tensor::Limits{l.max_tensor_bytes, l.max_tensor_rank,
                        l.max_tensor_elements};
}

Result<dim::v1::Job> WaitForJob(rpc::OrchestratorClient* client,
                                const Globals& g, const std::string& id) {
  bool progress = !g.quiet && g.output == Output::kTable;
  std::string last;
  auto job = client->Watch(id, std::chrono::milliseconds(0),
                           [&](const dim::v1::Job& j) {
    std::string line = StateName(j.state()) + ": " + j.reason();
    if (progress && line != last) std::cerr << "  " << line << "\n";
    last = line;
  });
  if (!job.ok()) return job;
  if (job->state() != dim::v1::JOB_STATE_SUCCEEDED &&
      job->state() != dim::v1::JOB_STATE_FAILED &&
      job->state() != dim::v1::JOB_STATE_CANCELLED) {
    return Unavailable("orchestrator at " + client->address() +
                       " stopped while job " + id + " was " +
                       StateName(job->state()) + "; it resumes when the " +
                       "orchestrator restarts ('dimctl job wait " + id +
                       "')");
  }
  return job;
}

void PrintAccepted(const Globals& g, const dim::v1::SubmitJobResponse& r) {
  if (g.output == Output::kJson) {
    JsonWriter w;
    w.BeginObject();
    w.Key("id").String(r.id());
    w.Key("state").String(StateName(r.state()));
    w.Key("owner").String(r.owner());
    w.EndObject();
    std::cout << w.str() << "\n";
  } else if (g.quiet) {
    std::cout << r.id() << "\n";
  } else {
    std::cout << "job " << r.id() << " accepted by " << r.owner() << " ("
              << StateName(r.state()) << ")\n";
  }
}

void PrintFinished(const Globals& g, const dim::v1::Job& job) {
  if (g.output == Output::kJson) {
    JsonWriter w;
    WriteJob(&w, job);
    std::cout << w.str() << "\n";
  } else if (g.quiet) {
    std::cout << job.id() << " " << StateName(job.state()) << "\n";
  } else {
    PrintJob(std::cout, job);
  }
}

}  // namespace dim::cli
