// Canonical names of status codes ("INVALID_ARGUMENT"), for logs, metrics
// labels and the CLI. absl and gRPC status codes share numbers, so both
// forms are accepted.
#ifndef MEDIUS_OBSERVABILITY_STATUS_NAMES_H_
#define MEDIUS_OBSERVABILITY_STATUS_NAMES_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace medius::observability {

inline std::string StatusCodeName(absl::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : "CODE_" + std::to_string(i);
}

inline std::string StatusCodeName(grpc::StatusCode code) {
  return StatusCodeName(static_cast<absl::StatusCode>(code));
}

}  // namespace medius::observability

#endif  // MEDIUS_OBSERVABILITY_STATUS_NAMES_H_
