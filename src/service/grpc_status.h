// ToGrpcStatus: an absl::Status from the application core as the gRPC
// status a client sees. The code and message carry over (the canonical codes
// share numbers); each payload (app/status_details.h: google.rpc.BadRequest,
// google.rpc.RetryInfo) becomes a detail of a google.rpc.Status sent in the
// standard "grpc-status-details-bin" trailer, where grpc-js, grpcio and
// grpc-java find it.
//
// Example:
//   reactor->Finish(ToGrpcStatus(call->Admit()));
//
// Thread-safety: a pure function.
#ifndef MEDIUS_SERVICE_GRPC_STATUS_H_
#define MEDIUS_SERVICE_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace medius::service {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace medius::service

#endif  // MEDIUS_SERVICE_GRPC_STATUS_H_
