// dimctl submit FILE [--wait] [--dry-run]
#include <iostream>

#include "cmd/cli.h"
#include "cmd/render.h"
#include "cmd/session.h"
#include "core/job/job.h"

namespace dim::cli {
namespace {

struct SubmitFlags {
  std::string file;
  bool wait = false;
  bool dry_run = false;
};

int JobExit(const dim::v1::Job& job) {
  return job.state() == dim::v1::JOB_STATE_SUCCEEDED ? kExitOk
                                                     : kExitJobFailed;
}

int RunSubmit(const SubmitFlags& flags, const Globals& g) {
  auto spec = job::ParseJobFile(flags.file, ClientJobLimits(),
                                ClientTensorLimits());
  if (!spec.ok()) return ReportError(spec.status());

  auto client = Connect(g);
  if (!client.ok()) return ReportError(client.status());
  auto submitted = client->Submit(*spec, flags.dry_run, /*wait=*/false);
  if (!submitted.ok()) {
    // The orchestrator judged the job: say which file it came from.
    Status st = submitted.status();
    if (st.code() == Code::kInvalidArgument) st = st.WithContext(flags.file);
    int code = ReportError(st);
    return client->retry_after().count() > 0 ? kExitRateLimited : code;
  }
  if (flags.dry_run) {
    if (!g.quiet) std::cout << flags.file << ": valid\n";
    return kExitOk;
  }
  if (!flags.wait) {
    PrintAccepted(g, *submitted);
    return kExitOk;
  }
  if (!g.quiet && g.output == Output::kTable) {
    std::cerr << "job " << submitted->id() << " accepted by "
              << submitted->owner() << "\n";
  }
  auto job = WaitForJob(&*client, g, submitted->id());
  if (!job.ok()) return ReportError(job.status());
  PrintFinished(g, *job);
  return JobExit(*job);
}

}  // namespace

void AddSubmitCommand(CLI::App* cmd, const Globals* globals, Runner* runner) {
  auto flags = std::make_shared<SubmitFlags>();
  cmd->add_option("file", flags->file, "Job file (TOML)")->required();
  cmd->add_flag("--wait", flags->wait,
                "Wait for the job to finish; exit 1 unless it succeeded");
  cmd->add_flag("--dry-run", flags->dry_run,
                "Validate the job here and on the orchestrator; store "
                "nothing");
  cmd->callback([flags, globals, runner] {
    *runner = [flags, globals] { return RunSubmit(*flags, *globals); };
  });
}

}  // namespace dim::cli
