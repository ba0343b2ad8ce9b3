#include "core/runtime/grpc_status.h"

namespace dim::runtime {

namespace {

constexpr Code kCodes[] = {
    Code::kOk,                Code::kCancelled,
    Code::kInvalidArgument,   Code::kDeadlineExceeded,
    Code::kNotFound,          Code::kAlreadyExists,
    Code::kPermissionDenied,  Code::kResourceExhausted,
    Code::kFailedPrecondition, Code::kAborted,
    Code::kInternal,          Code::kUnavailable,
    Code::kUnauthenticated,
};

}  // namespace

grpc::Status ToGrpcStatus(const dim::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      status.message());
}

dim::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return dim::Status::Ok();
  for (Code code : kCodes) {
    if (static_cast<int>(code) == static_cast<int>(status.error_code())) {
      return dim::Status(code, status.error_message());
    }
  }
  return Internal(status.error_message());
}

}  // namespace dim::runtime
