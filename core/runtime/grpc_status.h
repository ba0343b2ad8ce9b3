// dim::Status <-> grpc::Status. The codes share gRPC's numbering, so the
// mapping is one-to-one and an error keeps its meaning across the wire.
#pragma once

#include <grpcpp/support/status.h>

#include "core/util/status.h"

namespace dim::runtime {

grpc::Status ToGrpcStatus(const dim::Status& status);

// A gRPC code that dim::Code does not name (UNKNOWN, OUT_OF_RANGE,
// UNIMPLEMENTED, DATA_LOSS) becomes kInternal, keeping the message.
dim::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace dim::runtime
