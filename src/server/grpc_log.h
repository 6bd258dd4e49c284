// Routes gRPC's own log messages (gpr_log) into the server's JSON log as
// {"event":"grpc","level":...,"message":...,"source":"file:line"} lines,
// every string escaped. Without this gRPC prints to stderr, raw: a client's
// invalid header value could write a line that looks like one of ours.
//
// Example:
//   JsonRpcLog log(std::cerr, key);
//   RouteGrpcLogs(&log);   // before the first gRPC call
//   ...
//   RouteGrpcLogs(nullptr);  // before `log` is destroyed
//
// Thread-safety: gRPC calls the sink from any thread; JsonRpcLog::Event is
// thread-safe. Call RouteGrpcLogs itself from one thread.
#ifndef MEDIUS_SERVER_GRPC_LOG_H_
#define MEDIUS_SERVER_GRPC_LOG_H_

#include "observability/json_log.h"

namespace medius::server {

// `log` (or null: messages are dropped) must outlive every gRPC thread that
// may log, or be replaced by null first.
void RouteGrpcLogs(observability::JsonRpcLog* log);

}  // namespace medius::server

#endif  // MEDIUS_SERVER_GRPC_LOG_H_
