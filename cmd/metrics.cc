// dimctl metrics [-o table|json|prom]: what a running server has counted,
// read over gRPC (dim.v1.Metrics). `prom` prints exactly what the server's
// HTTP /metrics endpoint serves.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cmd/cli.h"
#include "cmd/json_writer.h"
#include "cmd/session.h"
#include "core/metrics/prometheus.h"
#include "core/metrics/snapshot.h"
#include "core/rpc/metrics_proto.h"
#include "core/rpc/metrics_service.h"

namespace dim::cli {
namespace {

enum class Format { kTable, kJson, kProm };

constexpr std::chrono::seconds kFetchTimeout{10};

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Seconds read best in the unit that fits them.
std::string Quantity(double v, const std::string& unit) {
  if (v != v) return "-";  // NaN: an empty histogram
  if (unit != "seconds") return Number(v);
  char buf[32];
  if (v < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3gus", v * 1e6);
  } else if (v < 1) {
    std::snprintf(buf, sizeof buf, "%.3gms", v * 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.3gs", v);
  }
  return buf;
}

std::string LabelText(const std::vector<metrics::Label>& labels) {
  std::string out;
  for (const auto& l : labels) {
    out += (out.empty() ? "" : ",") + l.name + "=" + l.value;
  }
  return out.empty() ? "-" : out;
}

using Row = std::vector<std::string>;

Row RowFor(const metrics::FamilySnapshot& f, const metrics::Sample& s) {
  if (f.kind != metrics::Kind::kHistogram) {
    return {f.name, LabelText(s.labels), Number(s.value), "-", "-", "-",
            "-"};
  }
  const auto& h = s.histogram;
  return {f.name,
          LabelText(s.labels),
          "-",
          std::to_string(h.count),
          Quantity(metrics::Quantile(h, 0.50), f.unit),
          Quantity(metrics::Quantile(h, 0.95), f.unit),
          Quantity(metrics::Quantile(h, 0.99), f.unit)};
}

// Columns as wide as their widest cell.
void PrintTable(const metrics::Snapshot& snapshot) {
  std::vector<Row> rows = {
      {"NAME", "LABELS", "VALUE", "COUNT", "P50", "P95", "P99"}};
  for (const auto& f : snapshot.families) {
    for (const auto& s : f.samples) rows.push_back(RowFor(f, s));
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const Row& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  for (const Row& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(width[i] - row[i].size() + 2, ' ');
      }
    }
    std::cout << line << "\n";
  }
}

void WriteSample(JsonWriter* w, const metrics::FamilySnapshot& f,
                 const metrics::Sample& s) {
  w->BeginObject();
  w->Key("labels").BeginObject();
  for (const auto& l : s.labels) w->Key(l.name).String(l.value);
  w->EndObject();
  if (f.kind != metrics::Kind::kHistogram) {
    w->Key("value").Double(s.value);
    w->EndObject();
    return;
  }
  const auto& h = s.histogram;
  w->Key("count").Int(static_cast<int64_t>(h.count));
  w->Key("sum").Double(h.sum);
  w->Key("p50").Double(metrics::Quantile(h, 0.50));
  w->Key("p95").Double(metrics::Quantile(h, 0.95));
  w->Key("p99").Double(metrics::Quantile(h, 0.99));
  // As on the wire: per-bucket counts, the last one for +Inf.
  w->Key("bounds").BeginArray();
  for (double b : h.bounds) w->Double(b);
  w->EndArray();
  w->Key("counts").BeginArray();
  for (uint64_t c : h.counts) w->Int(static_cast<int64_t>(c));
  w->EndArray();
  w->EndObject();
}

void PrintJson(const std::string& server, const metrics::Snapshot& snapshot) {
  JsonWriter w;
  w.BeginObject();
  w.Key("server").String(server);
  w.Key("families").BeginArray();
  for (const auto& f : snapshot.families) {
    w.BeginObject();
    w.Key("name").String(f.name);
    w.Key("prometheus_name").String(metrics::PrometheusName(f));
    w.Key("kind").String(metrics::KindName(f.kind));
    w.Key("unit").String(f.unit);
    w.Key("help").String(f.help);
    w.Key("samples").BeginArray();
    for (const auto& s : f.samples) WriteSample(&w, f, s);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::cout << w.str() << "\n";
}

Format Choose(const Globals& g, const std::string& local) {
  if (local == "prom") return Format::kProm;
  if (local == "json") return Format::kJson;
  if (local == "table") return Format::kTable;
  return g.output == Output::kJson ? Format::kJson : Format::kTable;
}

int ShowMetrics(const Globals& g, const std::string& output) {
  auto options = ClientOptionsFromEnv();
  if (!options.ok()) return ReportError(options.status());
  options->call_timeout = kFetchTimeout;
  auto response = rpc::FetchMetrics(g.addr, *options);
  if (!response.ok()) return ReportError(response.status());
  auto snapshot = rpc::FromProto(response->families());
  if (!snapshot.ok()) {
    return ReportError(snapshot.status().WithContext("server at " + g.addr));
  }
  switch (Choose(g, output)) {
    case Format::kProm:
      std::cout << metrics::RenderPrometheus(*snapshot);
      break;
    case Format::kJson:
      PrintJson(response->server(), *snapshot);
      break;
    case Format::kTable:
      PrintTable(*snapshot);
      break;
  }
  return kExitOk;
}

}  // namespace

// The global -o knows table and json only; this command's own -o adds
// prom and, when given after `metrics`, takes precedence over the global
// one, which is still honoured when given before it.
void AddMetricsCommand(CLI::App* cmd, const Globals* globals,
                       Runner* runner) {
  auto output = std::make_shared<std::string>();
  cmd->add_option("-o,--output", *output,
                  "table, json, or prom (the Prometheus text format of "
                  "GET /metrics)")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"table", "json", "prom"}));
  cmd->callback([=] {
    *runner = [=] { return ShowMetrics(*globals, *output); };
  });
}

}  // namespace dim::cli
