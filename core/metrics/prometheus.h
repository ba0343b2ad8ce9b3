// The Prometheus text exposition format, version 0.0.4: what GET /metrics
// answers and `dimctl metrics -o prom` prints. Names follow Prometheus's
// conventions: dots become underscores, the unit ends the name
// (dim_jobs_duration_seconds), counters end in _total, and histograms are
// exported as histograms (cumulative _bucket{le=...} with +Inf, _sum,
// _count) so that a server can aggregate them across processes.
#pragma once

#include <string>

#include "core/metrics/snapshot.h"

namespace dim::metrics {

inline constexpr const char* kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// dim.jobs.duration + seconds -> dim_jobs_duration_seconds;
// dim.api.requests (counter) -> dim_api_requests_total; a gauge loses a
// _total suffix, which Prometheus reserves for counters:
// dim.nodes.total -> dim_nodes.
std::string PrometheusName(const FamilySnapshot& family);

// Every family with HELP and TYPE lines; label values and help texts are
// escaped as the format requires.
std::string RenderPrometheus(const Snapshot& snapshot);

// A number as Prometheus reads it: the shortest text that reads back as
// the same double, +Inf, -Inf or NaN.
std::string FormatNumber(double value);

}  // namespace dim::metrics
