// Load tools in bench/ may only ever send traffic to this machine: every
// target address is checked against the loopback range before a channel is
// made.
#ifndef MEDIUS_BENCH_LOOPBACK_H_
#define MEDIUS_BENCH_LOOPBACK_H_

#include <string>

#include "absl/strings/match.h"

namespace medius::bench {

// True for "127.x.y.z:port", "localhost:port" and "[::1]:port".
inline bool IsLoopbackTarget(const std::string& target) {
  return absl::StartsWith(target, "127.") ||
         absl::StartsWith(target, "localhost:") ||
         absl::StartsWith(target, "[::1]:");
}

}  // namespace medius::bench

#endif  // MEDIUS_BENCH_LOOPBACK_H_
