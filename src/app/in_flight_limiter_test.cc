#include "app/in_flight_limiter.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace medius::app {
namespace {

TEST(InFlightLimiterTest, EachClientGetsItsShareAndReleasesItsSlots) {
  InFlightLimiter limiter(2);
  EXPECT_TRUE(limiter.Acquire("a"));
  EXPECT_TRUE(limiter.Acquire("a"));
  EXPECT_FALSE(limiter.Acquire("a"));
  EXPECT_TRUE(limiter.Acquire("b"));  // a's flood does not stop b
  limiter.Release("a");
  EXPECT_TRUE(limiter.Acquire("a"));
  EXPECT_FALSE(limiter.Acquire("a"));
}

TEST(InFlightLimiterTest, ConcurrentAcquireNeverExceedsTheShare) {
  InFlightLimiter limiter(50);
  std::atomic<int> held{0}, peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (!limiter.Acquire("one")) continue;
        const int now = ++held;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        --held;
        limiter.Release("one");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 50);
  EXPECT_GT(peak.load(), 0);
  // Everything released: the full share is free again.
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(limiter.Acquire("one"));
  EXPECT_FALSE(limiter.Acquire("one"));
}

}  // namespace
}  // namespace medius::app
