#include "core/rpc/status_convert.h"

#include <gtest/gtest.h>

namespace dim::rpc {
namespace {

TEST(StatusConvertTest, KeepsCodeAndMessageAcrossTheRoundTrip) {
  const Code codes[] = {
      Code::kCancelled,         Code::kInvalidArgument, Code::kDeadlineExceeded,
      Code::kNotFound,          Code::kAlreadyExists,   Code::kPermissionDenied,
      Code::kResourceExhausted, Code::kFailedPrecondition, Code::kAborted,
      Code::kInternal,          Code::kUnavailable,     Code::kUnauthenticated,
  };
  for (Code code : codes) {
    const Status back = FromGrpc(ToGrpc(Status(code, "node n1 is busy")));
    EXPECT_EQ(back.code(), code);
    EXPECT_EQ(back.message(), "node n1 is busy");
  }
}

TEST(StatusConvertTest, UsesGrpcNumbering) {
  const grpc::Status wire = ToGrpc(ResourceExhausted("retry in 2s"));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(wire.error_message(), "retry in 2s");

  const Status back = FromGrpc(grpc::Status(grpc::StatusCode::NOT_FOUND, "x"));
  EXPECT_EQ(back.code(), Code::kNotFound);
}

TEST(StatusConvertTest, OkStaysOk) {
  EXPECT_TRUE(ToGrpc(Status::Ok()).ok());
  EXPECT_TRUE(FromGrpc(grpc::Status::OK).ok());
}

TEST(StatusConvertTest, NamesGrpcCodesWithoutADimEquivalent) {
  const Status unimplemented = FromGrpc(
      grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no method RunTask"));
  EXPECT_EQ(unimplemented.code(), Code::kInternal);
  EXPECT_EQ(unimplemented.message(), "unimplemented: no method RunTask");

  const Status range =
      FromGrpc(grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "row 9"));
  EXPECT_EQ(range.code(), Code::kInvalidArgument);
  EXPECT_EQ(range.message(), "out of range: row 9");
}

}  // namespace
}  // namespace dim::rpc
