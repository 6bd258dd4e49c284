// RateLimiter: a token bucket per client, so one misbehaving EMR
// integration cannot take the service from the others. A client is its
// authenticated name, or its peer address when authentication is off.
//
// Example:
//   RateLimiter limiter({.per_second = 200, .burst = 400});
//   if (std::optional<absl::Duration> wait = limiter.Admit("emr-ward-3")) {
//     // RESOURCE_EXHAUSTED, retry after *wait
//   }
//
// Thread-safety: Admit may be called concurrently (one mutex per shard).
#ifndef MEDIUS_APP_RATE_LIMITER_H_
#define MEDIUS_APP_RATE_LIMITER_H_

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace medius::app {

struct RateLimit {
  double per_second = 0;  // sustained calls per second per client; 0: off
  double burst = 1;       // calls a client may make at once after a pause
  // Distinct clients remembered; past it, full (idle) buckets are dropped
  // first and, if none is full, the new client is refused: a flood of
  // spoofed peers cannot grow memory without bound.
  size_t max_clients = 10000;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit,
                       std::function<absl::Time()> now = absl::Now);

  // nullopt when the call may go ahead (one token taken), else how long
  // until a token is available.
  std::optional<absl::Duration> Admit(const std::string& client);

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  struct Shard {
    absl::Mutex mutex;
    absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mutex);
  };
  static constexpr size_t kShards = 16;

  void Refill(Bucket& bucket, absl::Time now) const;

  const RateLimit limit_;
  const std::function<absl::Time()> now_;
  std::array<Shard, kShards> shards_;
};

}  // namespace medius::app

#endif  // MEDIUS_APP_RATE_LIMITER_H_
