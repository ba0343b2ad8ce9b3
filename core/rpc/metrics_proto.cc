#include "core/rpc/metrics_proto.h"

#include <algorithm>
#include <cmath>

namespace dim::rpc {
namespace {

using metrics::Kind;

dim::v1::MetricKind KindToProto(Kind kind) {
  switch (kind) {
    case Kind::kCounter: return dim::v1::METRIC_KIND_COUNTER;
    case Kind::kGauge: return dim::v1::METRIC_KIND_GAUGE;
    case Kind::kHistogram: return dim::v1::METRIC_KIND_HISTOGRAM;
  }
  return dim::v1::METRIC_KIND_UNSPECIFIED;
}

void SampleToProto(const metrics::Sample& s, Kind kind,
                   dim::v1::MetricSample* out) {
  for (const auto& label : s.labels) {
    auto* l = out->add_labels();
    l->set_name(label.name);
    l->set_value(label.value);
  }
  if (kind != Kind::kHistogram) {
    out->set_value(s.value);
    return;
  }
  const metrics::HistogramData& h = s.histogram;
  out->mutable_bounds()->Add(h.bounds.begin(), h.bounds.end());
  out->mutable_bucket_counts()->Add(h.counts.begin(), h.counts.end());
  out->set_count(h.count);
  out->set_sum(h.sum);
  if (h.count > 0 && std::isfinite(h.min) && std::isfinite(h.max)) {
    out->set_min(h.min);
    out->set_max(h.max);
  }
}

Result<metrics::Sample> SampleFromProto(const dim::v1::MetricSample& in,
                                        Kind kind,
                                        const std::string& family) {
  metrics::Sample s;
  for (const auto& l : in.labels()) {
    s.labels.push_back(metrics::Label{l.name(), l.value()});
  }
  s.value = in.value();
  if (kind != Kind::kHistogram) return s;
  metrics::HistogramData& h = s.histogram;
  h.bounds.assign(in.bounds().begin(), in.bounds().end());
  h.counts.assign(in.bucket_counts().begin(), in.bucket_counts().end());
  h.count = in.count();
  h.sum = in.sum();
  if (in.has_min() && in.has_max() && in.min() <= in.max()) {
    h.min = in.min();
    h.max = in.max();
  }
  if (h.counts.size() != h.bounds.size() + 1 ||
      !std::is_sorted(h.bounds.begin(), h.bounds.end())) {
    return InvalidArgument(
        "metric " + family + ": histogram has " +
        std::to_string(h.bounds.size()) + " bounds and " +
        std::to_string(h.counts.size()) +
        " buckets; expected ascending bounds and one bucket more");
  }
  return s;
}

}  // namespace

void ToProto(const metrics::Snapshot& snapshot,
             google::protobuf::RepeatedPtrField<dim::v1::MetricFamily>* out) {
  for (const auto& f : snapshot.families) {
    auto* family = out->Add();
    family->set_name(f.name);
    family->set_help(f.help);
    family->set_kind(KindToProto(f.kind));
    family->set_unit(f.unit);
    for (const auto& s : f.samples) {
      SampleToProto(s, f.kind, family->add_samples());
    }
  }
}

Result<metrics::Snapshot> FromProto(
    const google::protobuf::RepeatedPtrField<dim::v1::MetricFamily>&
        families) {
  metrics::Snapshot snapshot;
  for (const auto& in : families) {
    metrics::FamilySnapshot f;
    f.name = in.name();
    f.help = in.help();
    f.unit = in.unit();
    switch (in.kind()) {
      case dim::v1::METRIC_KIND_COUNTER: f.kind = Kind::kCounter; break;
      case dim::v1::METRIC_KIND_GAUGE: f.kind = Kind::kGauge; break;
      case dim::v1::METRIC_KIND_HISTOGRAM: f.kind = Kind::kHistogram; break;
      default:
        return InvalidArgument("metric " + in.name() + " has unknown kind " +
                               std::to_string(in.kind()));
    }
    for (const auto& s : in.samples()) {
      auto sample = SampleFromProto(s, f.kind, in.name());
      if (!sample.ok()) return sample.status();
      f.samples.push_back(std::move(sample).value());
    }
    snapshot.families.push_back(std::move(f));
  }
  return snapshot;
}

}  // namespace dim::rpc
