// dimctl job ls | show ID | cancel ID | wait ID
#include <iostream>

#include "cmd/cli.h"
#include "cmd/render.h"
#include "cmd/session.h"

namespace dim::cli {
namespace {

int ListJobs(const Globals& g, int limit) {
  auto client = Connect(g);
  if (!client.ok()) return ReportError(client.status());
  auto jobs = client->List(limit);
  if (!jobs.ok()) return ReportError(jobs.status());
  if (g.output == Output::kJson) {
    JsonWriter w;
    w.BeginArray();
    for (const auto& job : *jobs) WriteJob(&w, job);
    w.EndArray();
    std::cout << w.str() << "\n";
  } else if (g.quiet) {
    for (const auto& job : *jobs) std::cout << job.id() << "\n";
  } else {
    PrintJobList(std::cout, *jobs);
  }
  return kExitOk;
}

int ShowJob(const Globals& g, const std::string& id) {
  auto client = Connect(g);
  if (!client.ok()) return ReportError(client.status());
  auto job = client->Get(id);
  if (!job.ok()) return ReportError(job.status());
  PrintFinished(g, *job);
  return kExitOk;
}

int CancelJob(const Globals& g, const std::string& id) {
  auto client = Connect(g);
  if (!client.ok()) return ReportError(client.status());
  auto job = client->Cancel(id);
  if (!job.ok()) return ReportError(job.status());
  if (g.output == Output::kJson) {
    PrintFinished(g, *job);
  } else if (!g.quiet) {
    std::cout << "job " << id << " " << StateName(job->state()) << ": "
              << job->reason() << "\n";
  }
  return kExitOk;
}

int WaitJob(const Globals& g, const std::string& id) {
  auto client = Connect(g);
  if (!client.ok()) return ReportError(client.status());
  auto job = WaitForJob(&*client, g, id);
  if (!job.ok()) return ReportError(job.status());
  PrintFinished(g, *job);
  return job->state() == dim::v1::JOB_STATE_SUCCEEDED ? kExitOk
                                                      : kExitJobFailed;
}

}  // namespace

void AddJobCommand(CLI::App* cmd, const Globals* globals, Runner* runner) {
  cmd->require_subcommand(1);
  auto limit = std::make_shared<int>(0);
  auto id = std::make_shared<std::string>();

  CLI::App* ls = cmd->add_subcommand("ls", "List jobs, newest first");
  ls->add_option("-n,--limit", *limit, "Show at most this many (0: all)")
      ->check(CLI::NonNegativeNumber);
  ls->callback([=] { *runner = [=] { return ListJobs(*globals, *limit); }; });

  CLI::App* show = cmd->add_subcommand("show", "Show a job and its result");
  show->add_option("id", *id, "Job id")->required();
  show->callback([=] { *runner = [=] { return ShowJob(*globals, *id); }; });

  CLI::App* cancel = cmd->add_subcommand("cancel", "Cancel a job");
  cancel->add_option("id", *id, "Job id")->required();
  cancel->callback(
      [=] { *runner = [=] { return CancelJob(*globals, *id); }; });

  CLI::App* wait = cmd->add_subcommand(
      "wait", "Wait for a job to finish; exit 1 unless it succeeded");
  wait->add_option("id", *id, "Job id")->required();
  wait->callback([=] { *runner = [=] { return WaitJob(*globals, *id); }; });
}

}  // namespace dim::cli
