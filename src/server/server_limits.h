// Limits every medius-server gRPC port applies (main and health-only):
// a memory quota, no SO_REUSEPORT, keepalive enforcement, connection age
// and idle limits, a handshake timeout, a metadata size limit, and server
// reflection only when asked for. docs/SECURITY.md says what each protects.
//
// Example:
//   grpc::ServerBuilder builder;
//   ApplyServerLimits({.max_memory_mb = 1024, .reflection = false}, builder);
//
// Thread-safety: call before BuildAndStart, from one thread.
#ifndef MEDIUS_SERVER_SERVER_LIMITS_H_
#define MEDIUS_SERVER_SERVER_LIMITS_H_

#include "grpcpp/server_builder.h"

namespace medius::server {

struct ServerLimits {
  int max_memory_mb = 1024;
  int max_concurrent_streams = 100;
  bool reflection = false;
};

// Fixed values, not flags: they protect the server and no client needs
// them changed.
// A client may ping at most this often without data before it is
// disconnected (after kMaxPingStrikes), as ping floods cost CPU.
inline constexpr int kMinClientPingIntervalMs = 10'000;
inline constexpr int kMaxPingStrikes = 2;
// The server pings an idle connection this often and drops it when the
// peer does not answer in kKeepaliveTimeoutMs: dead peers free their
// memory.
inline constexpr int kKeepaliveTimeMs = 60'000;
inline constexpr int kKeepaliveTimeoutMs = 20'000;
// A connection without calls is closed after this; every connection is
// closed (gracefully, with GOAWAY) after kMaxConnectionAgeMs, so a client
// spreads over replicas and no connection holds memory forever.
inline constexpr int kMaxConnectionIdleMs = 5 * 60'000;
inline constexpr int kMaxConnectionAgeMs = 30 * 60'000;
inline constexpr int kMaxConnectionAgeGraceMs = 30'000;
// A TLS or HTTP/2 handshake that takes longer is dropped (slowloris).
inline constexpr int kHandshakeTimeoutMs = 10'000;
// Request metadata (headers) larger than this is refused.
inline constexpr int kMaxMetadataBytes = 16 * 1024;

void ApplyServerLimits(const ServerLimits& limits,
                       grpc::ServerBuilder& builder);

}  // namespace medius::server

#endif  // MEDIUS_SERVER_SERVER_LIMITS_H_
