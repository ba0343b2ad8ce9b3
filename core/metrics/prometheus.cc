#include "core/metrics/prometheus.h"

#include <charconv>
#include <cmath>

namespace dim::metrics {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Anything outside [a-zA-Z0-9_:] becomes '_'; a leading digit gets one.
std::string Sanitize(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == ':';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "_" + out;
  return out;
}

std::string EscapeHelp(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeLabelValue(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"') {
      out += "\\\"";
    } else {
      out += EscapeHelp(std::string(1, c));
    }
  }
  return out;
}

// {a="x",b="y"}, with `extra` (le="...") last; empty when there is none.
std::string LabelText(const std::vector<Label>& labels,
                      const std::string& extra = "") {
  std::string out;
  for (const Label& l : labels) {
    out += (out.empty() ? "" : ",") + Sanitize(l.name) + "=\"" +
           EscapeLabelValue(l.value) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

void RenderHistogram(const std::string& name, const Sample& s,
                     std::string* out) {
  const HistogramData& h = s.histogram;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    cumulative += h.counts[i];
    std::string le = i < h.bounds.size() ? FormatNumber(h.bounds[i])
                                         : std::string("+Inf");
    *out += name + "_bucket" + LabelText(s.labels, "le=\"" + le + "\"") +
            " " + std::to_string(cumulative) + "\n";
  }
  std::string labels = LabelText(s.labels);
  *out += name + "_sum" + labels + " " + FormatNumber(h.sum) + "\n";
  // The +Inf bucket and _count must agree; both come from the buckets.
  *out += name + "_count" + labels + " " + std::to_string(cumulative) + "\n";
}

}  // namespace

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[64];
  auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}

std::string PrometheusName(const FamilySnapshot& family) {
  std::string name = Sanitize(family.name);
  if (!family.unit.empty()) {
    std::string unit = "_" + Sanitize(family.unit);
    if (!EndsWith(name, unit)) name += unit;
  }
  if (family.kind == Kind::kCounter) {
    if (!EndsWith(name, "_total")) name += "_total";
  } else if (EndsWith(name, "_total") && name.size() > 6) {
    // _total promises a counter; a gauge of how many there are in all
    // (dim.nodes.total) reads as the plain noun: dim_nodes.
    name.resize(name.size() - 6);
  }
  return name;
}

std::string RenderPrometheus(const Snapshot& snapshot) {
  std::string out;
  for (const FamilySnapshot& f : snapshot.families) {
    if (f.samples.empty()) continue;
    std::string name = PrometheusName(f);
    out += "# HELP " + name + " " + EscapeHelp(f.help) + "\n";
    out += "# TYPE " + name + " " + KindName(f.kind) + "\n";
    for (const Sample& s : f.samples) {
      if (f.kind == Kind::kHistogram) {
        RenderHistogram(name, s, &out);
      } else {
        out += name + LabelText(s.labels) + " " + FormatNumber(s.value) +
               "\n";
      }
    }
  }
  return out;
}

}  // namespace dim::metrics
