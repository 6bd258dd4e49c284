#include "app/rate_limiter.h"

#include <algorithm>
#include <utility>

namespace medius::app {

RateLimiter::RateLimiter(RateLimit limit, std::function<absl::Time()> now)
    : limit_(limit), now_(std::move(now)) {}

void RateLimiter::Refill(Bucket& bucket, absl::Time now) const {
  const double elapsed = absl::ToDoubleSeconds(now - bucket.updated);
  if (elapsed > 0) {
    bucket.tokens =
        std::min(limit_.burst, bucket.tokens + elapsed * limit_.per_second);
    bucket.updated = now;
  }
}

std::optional<absl::Duration> RateLimiter::Admit(const std::string& client) {
  if (limit_.per_second <= 0) return std::nullopt;
  const absl::Time now = now_();
  Shard& shard = shards_[std::hash<std::string>{}(client) % kShards];
  absl::MutexLock lock(&shard.mutex);
  auto it = shard.buckets.find(client);
  if (it == shard.buckets.end()) {
    const size_t per_shard = std::max<size_t>(1, limit_.max_clients / kShards);
    if (shard.buckets.size() >= per_shard) {
      // A full bucket carries no information: forgetting it is free.
      for (auto b = shard.buckets.begin(); b != shard.buckets.end();) {
        Refill(b->second, now);
        if (b->second.tokens >= limit_.burst) {
          shard.buckets.erase(b++);
        } else {
          ++b;
        }
      }
      if (shard.buckets.size() >= per_shard) {
        return absl::Seconds(1.0 / limit_.per_second);
      }
    }
    it = shard.buckets.emplace(client, Bucket{limit_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::nullopt;
  }
  return absl::Seconds((1 - bucket.tokens) / limit_.per_second);
}

}  // namespace medius::app
