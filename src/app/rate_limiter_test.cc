#include "app/rate_limiter.h"

#include <string>

#include "gtest/gtest.h"

namespace medius::app {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1000);
  std::function<absl::Time()> Clock() {
    return [this] { return now_; };
  }
};

TEST_F(RateLimiterTest, BurstThenSustainedRate) {
  RateLimiter limiter({.per_second = 10, .burst = 3}, Clock());
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.Admit("a").has_value());
  std::optional<absl::Duration> wait = limiter.Admit("a");
  ASSERT_TRUE(wait.has_value());
  EXPECT_NEAR(absl::ToDoubleSeconds(*wait), 0.1, 1e-9);
  now_ += absl::Milliseconds(100);
  EXPECT_FALSE(limiter.Admit("a").has_value());
  EXPECT_TRUE(limiter.Admit("a").has_value());
  // A long pause refills only up to the burst.
  now_ += absl::Seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.Admit("a").has_value());
  EXPECT_TRUE(limiter.Admit("a").has_value());
}

TEST_F(RateLimiterTest, ClientsHaveTheirOwnBuckets) {
  RateLimiter limiter({.per_second = 1, .burst = 1}, Clock());
  EXPECT_FALSE(limiter.Admit("a").has_value());
  EXPECT_TRUE(limiter.Admit("a").has_value());
  EXPECT_FALSE(limiter.Admit("b").has_value());
}

TEST_F(RateLimiterTest, OffWhenRateIsZero) {
  RateLimiter limiter({.per_second = 0, .burst = 1}, Clock());
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.Admit("a").has_value());
}

TEST_F(RateLimiterTest, MemoryIsBoundedUnderAFloodOfClients) {
  RateLimiter limiter({.per_second = 1, .burst = 2, .max_clients = 32},
                      Clock());
  // Each new client spends a token, so its bucket is not full and cannot be
  // forgotten: past the bound new clients are refused, not remembered.
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    refused += limiter.Admit("peer-" + std::to_string(i)).has_value();
  }
  EXPECT_GE(refused, 1000 - 32);
  // Once the remembered clients' buckets refill they are dropped and new
  // clients get in again.
  now_ += absl::Seconds(10);
  EXPECT_FALSE(limiter.Admit("late-arrival").has_value());
}

}  // namespace
}  // namespace medius::app
