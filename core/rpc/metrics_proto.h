// Metrics snapshots on the wire (dim.v1.MetricFamily) and back. The
// conversion keeps everything: names stay dotted, histograms keep their
// bounds and per-bucket counts, so that snapshots read from several
// servers merge (metrics::Merge) as if they were local.
#pragma once

#include <google/protobuf/repeated_field.h>

#include "core/metrics/snapshot.h"
#include "core/util/status.h"
#include "dim/v1/dim.pb.h"

namespace dim::rpc {

void ToProto(const metrics::Snapshot& snapshot,
             google::protobuf::RepeatedPtrField<dim::v1::MetricFamily>* out);

// kInvalidArgument, naming the family, for an unknown kind or a histogram
// whose buckets do not match its bounds.
Result<metrics::Snapshot> FromProto(
    const google::protobuf::RepeatedPtrField<dim::v1::MetricFamily>&
        families);

}  // namespace dim::rpc
