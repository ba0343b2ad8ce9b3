// Carries dim::Status across the wire as a gRPC status and back, keeping
// the code and the message a person reads.
#pragma once

#include <grpcpp/support/status.h>

#include "core/util/status.h"

namespace dim::rpc {

// The codes share gRPC's numbers, so the conversion keeps the code.
grpc::Status ToGrpc(const Status& status);

// gRPC codes that dim::Code has no name for (UNKNOWN, OUT_OF_RANGE,
// UNIMPLEMENTED, DATA_LOSS) become the nearest dim code, and the message is
// prefixed with the gRPC code's name so that nothing is lost: UNKNOWN,
// UNIMPLEMENTED and DATA_LOSS become kInternal, OUT_OF_RANGE becomes
// kInvalidArgument.
Status FromGrpc(const grpc::Status& status);

}  // namespace dim::rpc

// In a gRPC handler: returns the status, converted, unless it is ok.
#define DIM_RETURN_GRPC_IF_ERROR(expr)                 \
  do {                                                 \
    ::dim::Status dim_status_ = (expr);                \
    if (!dim_status_.ok()) {                           \
      return ::dim::rpc::ToGrpc(dim_status_);          \
    }                                                  \
  } while (false)
