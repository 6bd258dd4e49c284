#include "app/in_flight_limiter.h"

#include <functional>

namespace medius::app {

InFlightLimiter::Shard& InFlightLimiter::ShardFor(const std::string& client) {
  return shards_[std::hash<std::string>{}(client) % kShards];
}

bool InFlightLimiter::Acquire(const std::string& client) {
  Shard& shard = ShardFor(client);
  absl::MutexLock lock(&shard.mutex);
  int& count = shard.counts[client];
  if (count >= per_client_) {
    if (count == 0) shard.counts.erase(client);
    return false;
  }
  ++count;
  return true;
}

void InFlightLimiter::Release(const std::string& client) {
  Shard& shard = ShardFor(client);
  absl::MutexLock lock(&shard.mutex);
  auto it = shard.counts.find(client);
  if (it == shard.counts.end()) return;
  if (--it->second <= 0) shard.counts.erase(it);
}

}  // namespace medius::app
