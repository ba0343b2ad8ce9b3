#include "core/rpc/status_convert.h"

namespace dim::rpc {

grpc::Status ToGrpc(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      status.message());
}

Status FromGrpc(const grpc::Status& status) {
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return Status::Ok();
    case grpc::StatusCode::UNKNOWN:
      return Status(Code::kInternal, "unknown: " + message);
    case grpc::StatusCode::OUT_OF_RANGE:
      return Status(Code::kInvalidArgument, "out of range: " + message);
    case grpc::StatusCode::UNIMPLEMENTED:
      return Status(Code::kInternal, "unimplemented: " + message);
    case grpc::StatusCode::DATA_LOSS:
      return Status(Code::kInternal, "data loss: " + message);
    default:
      return Status(static_cast<Code>(status.error_code()), message);
  }
}

}  // namespace dim::rpc
