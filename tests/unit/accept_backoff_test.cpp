#include "server/http/accept_backoff.hpp"
#include "server/http/connection_cap.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

using Millis = std::chrono::milliseconds;

TEST(AcceptBackoff, WaitsDoubleUpToTheCeilingAndStartOverAfterASuccess) {
  AcceptBackoff b(Millis(10), Millis(1000), Millis(1000));
  AcceptBackoff::Clock::time_point t{};
  std::vector<long> waits;
  for (int i = 0; i < 9; ++i) waits.push_back(b.failed(t).wait.count());
  EXPECT_EQ(waits, (std::vector<long>{10, 20, 40, 80, 160, 320, 640, 1000, 1000}));
  b.succeeded();
  EXPECT_EQ(b.failed(t).wait, Millis(10));
}

TEST(AcceptBackoff, LogsOncePerIntervalWithTheFailuresItStandsFor) {
  AcceptBackoff b(Millis(10), Millis(1000), Millis(1000));
  AcceptBackoff::Clock::time_point t{};
  auto first = b.failed(t);
  ASSERT_TRUE(first.log);
  EXPECT_EQ(*first.log, 1u);
  for (int i = 0; i < 500; ++i) EXPECT_FALSE(b.failed(t + Millis(i)).log);
  auto later = b.failed(t + Millis(1000));
  ASSERT_TRUE(later.log);
  EXPECT_EQ(*later.log, 501u);
}

TEST(ConnectionCap, DerivedFromTheDescriptorLimitAndAlwaysBelowIt) {
  EXPECT_EQ(connection_cap(0, 1024), (1024 - kReservedDescriptors) / 2);
  EXPECT_EQ(connection_cap(0, 1 << 20), ((1 << 20) - kReservedDescriptors) / 2);
  EXPECT_EQ(connection_cap(200, 256), 256 - kReservedDescriptors);
  EXPECT_EQ(connection_cap(100, 256), 100u);
  EXPECT_GE(connection_cap(0, 10), 1u);
  EXPECT_GE(connection_cap(5, 10), 1u);
}

}  // namespace
}  // namespace gw
