// Error details carried on an absl::Status, so that the application core
// can say "these fields are wrong" or "retry in 100 ms" without knowing the
// transport: each detail is a google.rpc message (BadRequest, RetryInfo)
// stored as a payload under its type URL. The gRPC adapter sends the
// payloads as google.rpc.Status details (the "grpc-status-details-bin"
// trailer, service/grpc_status.h); the HTTP adapter reads them back with
// the accessors below.
//
// Example:
//   absl::Status s = WithRetryDelay(
//       absl::ResourceExhaustedError("busy"), absl::Milliseconds(100));
//   std::optional<absl::Duration> wait = RetryDelay(s);  // 100 ms
//
// Thread-safety: free functions on values; safe to call concurrently.
#ifndef MEDIUS_APP_STATUS_DETAILS_H_
#define MEDIUS_APP_STATUS_DETAILS_H_

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/engine.h"

namespace medius::app {

inline constexpr char kBadRequestTypeUrl[] =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr char kRetryInfoTypeUrl[] =
    "type.googleapis.com/google.rpc.RetryInfo";

// `status` with a google.rpc.BadRequest listing `violations`.
absl::Status WithViolations(
    absl::Status status, const std::vector<engine::FieldViolation>& violations);

// `status` with a google.rpc.RetryInfo asking the client to wait `delay`.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// The field violations a status carries (empty when none or unreadable).
std::vector<engine::FieldViolation> Violations(const absl::Status& status);

// The retry delay a status carries, if any.
std::optional<absl::Duration> RetryDelay(const absl::Status& status);

}  // namespace medius::app

#endif  // MEDIUS_APP_STATUS_DETAILS_H_
