#include "cmd/render.h"

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include <rang.hpp>

#include "core/tensor/wire.h"
#include "core/util/text.h"

namespace dim::cli {
namespace {

// Enum names without their prefix: JOB_STATE_RUNNING -> RUNNING.
std::string Strip(const std::string& name, const std::string& prefix) {
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Age(int64_t since_ms) {
  if (since_ms == 0) return "-";
  int64_t s = std::max<int64_t>(0, (NowMs() - since_ms) / 1000);
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string Time(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03dZ", tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

rang::fg StateColor(dim::v1::JobState state) {
  switch (state) {
    case dim::v1::JOB_STATE_SUCCEEDED: return rang::fg::green;
    case dim::v1::JOB_STATE_FAILED: return rang::fg::red;
    case dim::v1::JOB_STATE_CANCELLED: return rang::fg::yellow;
    default: return rang::fg::cyan;
  }
}

// Pads to a width, so that colour codes do not upset the alignment.
void Cell(std::ostream& out, const std::string& text, size_t width) {
  out << text;
  if (text.size() < width) out << std::string(width - text.size(), ' ');
}

std::vector<double> Values(const dim::v1::Tensor& t) {
  auto decoded = tensor::FromProto(t, tensor::Limits{INT64_MAX, 64, INT64_MAX});
  return decoded.ok() ? decoded->ToDoubles() : std::vector<double>();
}

bool IsIntegral(dim::v1::DType d) {
  return d == dim::v1::DTYPE_INT32 || d == dim::v1::DTYPE_INT64 ||
         d == dim::v1::DTYPE_UINT8 || d == dim::v1::DTYPE_BOOL;
}

std::string Number(double v, bool integral) {
  char buf[32];
  std::snprintf(buf, sizeof buf, integral ? "%.0f" : "%.6g", v);
  return buf;
}

std::string ShapeText(const dim::v1::Tensor& t) {
  std::string s = "[";
  for (int i = 0; i < t.shape_size(); ++i) {
    s += (i ? ", " : "") + std::to_string(t.shape(i));
  }
  return s + "]";
}

// A tensor as rows of numbers: the last dimension across, everything
// before it down; long tensors are cut with a note of what was left out.
void PrintTensor(std::ostream& out, const dim::v1::Tensor& t,
                 const std::string& indent) {
  constexpr size_t kMaxRows = 12;
  std::vector<double> v = Values(t);
  bool integral = IsIntegral(t.dtype());
  size_t cols = t.shape_size() == 0 ? 1 : t.shape(t.shape_size() - 1);
  if (cols == 0) cols = 1;
  size_t rows = v.size() / cols;
  out << indent << Lowercase(Strip(dim::v1::DType_Name(t.dtype()), "DTYPE_"))
      << " " << ShapeText(t) << "\n";
  for (size_t r = 0; r < rows && r < kMaxRows; ++r) {
    out << indent << " ";
    for (size_t c = 0; c < cols; ++c) {
      out << " " << std::setw(10) << Number(v[r * cols + c], integral);
    }
    out << "\n";
  }
  if (rows > kMaxRows) {
    out << indent << "  ... " << rows - kMaxRows << " more rows\n";
  }
}

}  // namespace

std::string StateName(dim::v1::JobState state) {
  return Strip(dim::v1::JobState_Name(state), "JOB_STATE_");
}

std::string NodeStateName(dim::v1::NodeState state) {
  return Strip(dim::v1::NodeState_Name(state), "NODE_STATE_");
}

std::string PatternName(dim::v1::Pattern pattern) {
  return Lowercase(Strip(dim::v1::Pattern_Name(pattern), "PATTERN_"));
}

void WriteTensor(JsonWriter* w, const dim::v1::Tensor& t) {
  bool integral = IsIntegral(t.dtype());
  w->BeginObject();
  w->Key("dtype").String(Lowercase(Strip(dim::v1::DType_Name(t.dtype()),
                                     "DTYPE_")));
  w->Key("shape").BeginArray();
  for (int64_t d : t.shape()) w->Int(d);
  w->EndArray();
  w->Key("data").BeginArray();
  for (double v : Values(t)) {
    if (integral) {
      w->Int(static_cast<int64_t>(v));
    } else {
      w->Double(v);
    }
  }
  w->EndArray();
  w->EndObject();
}

namespace {

void WriteResult(JsonWriter* w, const dim::v1::JobResult& r) {
  w->BeginObject();
  w->Key("output");
  WriteTensor(w, r.output());
  if (r.classes_size() > 0) {
    w->Key("classes").BeginArray();
    for (int64_t k : r.classes()) w->Int(k);
    w->EndArray();
    w->Key("agreement").BeginArray();
    for (double a : r.agreement()) w->Double(a);
    w->EndArray();
    w->Key("mean_agreement").Double(r.mean_agreement());
    w->Key("disagreements").BeginArray();
    for (int64_t k : r.disagreements()) w->Int(k);
    w->EndArray();
  }
  w->Key("parts").BeginArray();
  for (const auto& p : r.parts()) {
    w->BeginObject();
    w->Key("node").String(p.node_id());
    w->Key("model").String(p.model());
    if (!p.dataset().empty()) w->Key("dataset").String(p.dataset());
    w->Key("step").Int(p.step());
    w->Key("samples").Int(p.samples());
    w->Key("attempts").Int(p.attempts());
    w->Key("duration_us").Int(p.duration_us());
    w->Key("output");
    WriteTensor(w, p.output());
    w->EndObject();
  }
  w->EndArray();
  w->EndObject();
}

}  // namespace

void WriteJob(JsonWriter* w, const dim::v1::Job& job) {
  w->BeginObject();
  w->Key("id").String(job.id());
  w->Key("name").String(job.spec().name());
  w->Key("pattern").String(PatternName(job.spec().pattern()));
  w->Key("priority").Int(job.spec().priority());
  w->Key("state").String(StateName(job.state()));
  w->Key("reason").String(job.reason());
  w->Key("owner").String(job.owner());
  // Empty when the orchestrator does not authenticate.
  w->Key("user").String(job.user());
  w->Key("created_ms").Int(job.created_ms());
  w->Key("updated_ms").Int(job.updated_ms());
  w->Key("history").BeginArray();
  for (const auto& t : job.history()) {
    w->BeginObject();
    w->Key("state").String(StateName(t.state()));
    w->Key("time_ms").Int(t.time_ms());
    w->Key("reason").String(t.reason());
    w->EndObject();
  }
  w->EndArray();
  w->Key("result");
  if (job.state() == dim::v1::JOB_STATE_SUCCEEDED) {
    WriteResult(w, job.result());
  } else {
    w->Null();
  }
  w->EndObject();
}

void WriteNode(JsonWriter* w, const dim::v1::NodeEntry& node) {
  const auto& s = node.status();
  w->BeginObject();
  w->Key("id").String(s.node_id());
  w->Key("address").String(s.address());
  w->Key("state").String(NodeStateName(node.state()));
  w->Key("last_seen_ms").Int(node.last_seen_ms());
  w->Key("source").String(node.source());
  w->Key("conflict").String(node.conflict());
  w->Key("capacity").Int(s.capacity());
  w->Key("running").Int(s.running());
  w->Key("queued").Int(s.queued());
  w->Key("version").String(s.version());
  w->Key("models").BeginArray();
  for (const auto& m : s.models()) {
    w->BeginObject();
    w->Key("id").String(m.id());
    w->Key("loaded").Bool(m.loaded());
    w->Key("sha256").String(m.sha256());
    w->EndObject();
  }
  w->EndArray();
  w->Key("datasets").BeginArray();
  for (const auto& d : s.datasets()) {
    w->BeginObject();
    w->Key("name").String(d.name());
    w->Key("samples").Int(d.samples());
    w->EndObject();
  }
  w->EndArray();
  w->EndObject();
}

void PrintJobList(std::ostream& out, const std::vector<dim::v1::Job>& jobs) {
  out << "ID               NAME                 PATTERN        STATE      "
         "AGE   REASON\n";
  for (const auto& job : jobs) {
    Cell(out, job.id(), 17);
    Cell(out, job.spec().name(), 21);
    Cell(out, PatternName(job.spec().pattern()), 15);
    out << StateColor(job.state());
    Cell(out, StateName(job.state()), 11);
    out << rang::style::reset;
    Cell(out, Age(job.created_ms()), 6);
    out << job.reason() << "\n";
  }
}

void PrintJob(std::ostream& out, const dim::v1::Job& job) {
  out << "Job:      " << job.id() << " (" << job.spec().name() << ")\n"
      << "Pattern:  " << PatternName(job.spec().pattern())
      << ", priority " << job.spec().priority() << "\n"
      << "State:    " << StateColor(job.state()) << StateName(job.state())
      << rang::style::reset << "  " << job.reason() << "\n"
      << "Owner:    " << job.owner() << "\n";
  if (!job.user().empty()) out << "User:     " << job.user() << "\n";
  out << "History:\n";
  for (const auto& t : job.history()) {
    out << "  " << Time(t.time_ms()) << "  ";
    Cell(out, StateName(t.state()), 10);
    out << " " << t.reason() << "\n";
  }
  if (job.state() != dim::v1::JOB_STATE_SUCCEEDED) return;
  const auto& r = job.result();
  out << "Result:\n";
  PrintTensor(out, r.output(), "  ");
  if (r.classes_size() > 0) {
    out << "  agreement " << Number(r.mean_agreement(), false)
        << " on average; rows without unanimity: "
        << r.disagreements_size() << "\n";
  }
  out << "Parts:\n";
  for (const auto& p : r.parts()) {
    out << "  " << p.model() << " on " << p.node_id();
    if (!p.dataset().empty()) out << ", dataset " << p.dataset();
    out << ", " << p.samples() << " rows, attempt " << p.attempts() << ", "
        << p.duration_us() / 1000.0 << " ms\n";
  }
}

void WriteOrchestrator(JsonWriter* w, const dim::v1::OrchestratorEntry& o) {
  const auto& s = o.status();
  w->BeginObject();
  w->Key("id").String(s.orchestrator_id());
  w->Key("address").String(s.address());
  w->Key("state").String(NodeStateName(o.state()));
  w->Key("last_seen_ms").Int(o.last_seen_ms());
  w->Key("self").Bool(o.self());
  w->Key("queued").Int(s.queued());
  w->Key("running").Int(s.running());
  w->Key("capacity").Int(s.capacity());
  w->Key("version").String(s.version());
  w->EndObject();
}

namespace {

rang::fg MemberColor(dim::v1::NodeState state) {
  switch (state) {
    case dim::v1::NODE_STATE_ALIVE: return rang::fg::green;
    case dim::v1::NODE_STATE_SUSPECT: return rang::fg::yellow;
    default: return rang::fg::red;
  }
}

std::string Seen(int64_t last_seen_ms) {
  return last_seen_ms == 0 ? "never" : Age(last_seen_ms) + " ago";
}

std::string ModelIds(const dim::v1::NodeStatus& s) {
  std::string ids;
  for (const auto& m : s.models()) ids += (ids.empty() ? "" : ",") + m.id();
  return ids.empty() ? "-" : ids;
}

}  // namespace

void PrintNodeList(std::ostream& out,
                   const std::vector<dim::v1::NodeEntry>& nodes) {
  out << "ID                   ADDRESS               STATE    LOAD    "
         "LAST SEEN  MODELS\n";
  for (const auto& node : nodes) {
    const auto& s = node.status();
    Cell(out, s.node_id(), 21);
    Cell(out, s.address(), 22);
    out << MemberColor(node.state());
    Cell(out, NodeStateName(node.state()), 9);
    out << rang::style::reset;
    Cell(out, std::to_string(s.running() + s.queued()) + "/" +
                  std::to_string(s.capacity()), 8);
    Cell(out, Seen(node.last_seen_ms()), 11);
    out << ModelIds(s);
    if (!node.conflict().empty()) out << "  (id also claimed by another)";
    out << "\n";
  }
}

void PrintOrchestratorList(
    std::ostream& out,
    const std::vector<dim::v1::OrchestratorEntry>& orchestrators) {
  out << "ORCHESTRATOR         ADDRESS               STATE    JOBS    "
         "LAST SEEN\n";
  for (const auto& o : orchestrators) {
    const auto& s = o.status();
    Cell(out, s.orchestrator_id() + (o.self() ? " *" : ""), 21);
    Cell(out, s.address(), 22);
    out << MemberColor(o.state());
    Cell(out, NodeStateName(o.state()), 9);
    out << rang::style::reset;
    Cell(out, std::to_string(s.queued() + s.running()) + "/" +
                  std::to_string(s.capacity()), 8);
    out << Seen(o.last_seen_ms()) << "\n";
  }
}

void PrintNode(std::ostream& out, const dim::v1::NodeEntry& node) {
  const auto& s = node.status();
  out << "Node:      " << s.node_id() << "\nAddress:   " << s.address()
      << "\nState:     " << NodeStateName(node.state()) << " (seen "
      << Seen(node.last_seen_ms()) << ", via " << node.source()
      << ")\nCapacity:  " << s.capacity()
      << " (running " << s.running() << ", queued " << s.queued()
      << ")\nVersion:   " << s.version() << "\n";
  if (!node.conflict().empty()) {
    out << "Conflict:  another process claims this id: " << node.conflict()
        << "\n";
  }
  out << "Models:\n";
  for (const auto& m : s.models()) {
    out << "  " << m.id() << (m.loaded() ? "  loaded" : "") << "\n";
  }
  out << "Datasets:\n";
  for (const auto& d : s.datasets()) {
    out << "  " << d.name() << "  " << d.samples() << " rows\n";
  }
}

}  // namespace dim::cli
