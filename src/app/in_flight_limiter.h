// InFlightLimiter: how many calls each client has in flight (until its
// response is sent), refusing more than a share, so one client that does
// not read its responses, or resets its streams as fast as it opens them
// (HTTP/2 rapid reset), cannot take every server-wide slot from the others.
// A client is its token name, or its peer host without tokens.
//
// Example:
//   InFlightLimiter limiter(64);
//   if (!limiter.Acquire("emr-ward-3")) { /* RESOURCE_EXHAUSTED */ }
//   ...                                  // when the call is done:
//   limiter.Release("emr-ward-3");
//
// Thread-safety: Acquire and Release may be called concurrently. Memory is
// one entry per client with a call in flight (entries go at zero).
#ifndef MEDIUS_APP_IN_FLIGHT_LIMITER_H_
#define MEDIUS_APP_IN_FLIGHT_LIMITER_H_

#include <array>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace medius::app {

class InFlightLimiter {
 public:
  // `per_client` > 0: the most calls one client may have in flight.
  explicit InFlightLimiter(int per_client) : per_client_(per_client) {}

  // True (and counted) when `client` is under its share.
  bool Acquire(const std::string& client);
  // For every successful Acquire, once.
  void Release(const std::string& client);

 private:
  struct Shard {
    absl::Mutex mutex;
    absl::flat_hash_map<std::string, int> counts ABSL_GUARDED_BY(mutex);
  };
  static constexpr size_t kShards = 16;
  Shard& ShardFor(const std::string& client);

  const int per_client_;
  std::array<Shard, kShards> shards_;
};

}  // namespace medius::app

#endif  // MEDIUS_APP_IN_FLIGHT_LIMITER_H_
