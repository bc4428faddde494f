#include "fake/prompt_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace gw::fake;
using namespace std::chrono_literals;
using Ttl = CacheTtl;

// Blocks whose prefix digests depend on position only: two prompts built here share every
// prefix they both have, as a conversation growing turn by turn does.
std::vector<PromptBlock> prompt(const std::vector<std::uint64_t>& tokens,
                                const std::map<std::size_t, Ttl>& marks) {
  std::vector<PromptBlock> blocks;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    PromptBlock b;
    b.tokens = tokens[i];
    b.prefix_digest = "p" + std::to_string(i);
    if (auto it = marks.find(i); it != marks.end()) b.breakpoint = it->second;
    blocks.push_back(b);
  }
  return blocks;
}

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  PromptCache::Clock fn() {
    return [this] { return now; };
  }
};

bool same(const CacheUsage& u, std::uint64_t read, std::uint64_t c5m, std::uint64_t c1h) {
  return u.read == read && u.creation_5m == c5m && u.creation_1h == c1h && u.creation == c5m + c1h;
}

TEST(FakePromptCache, FirstRequestWritesTheSecondReads) {
  PromptCache cache;
  const auto p = prompt({600, 500, 7}, {{1, Ttl::k5m}});
  EXPECT_TRUE(same(cache.account("k", "m", p), 0, 1100, 0));
  EXPECT_TRUE(same(cache.account("k", "m", p), 1100, 0, 0));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(FakePromptCache, NoBreakpointNoCaching) {
  PromptCache cache;
  EXPECT_TRUE(same(cache.account("k", "m", prompt({5000, 5000}, {})), 0, 0, 0));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(FakePromptCache, AGrowingConversationReadsThePreviousPrefixAndWritesTheNewPart) {
  PromptCache cache;
  EXPECT_TRUE(same(cache.account("k", "m", prompt({1100, 10}, {{1, Ttl::k5m}})), 0, 1110, 0));
  // Turn 2: the previous prefix (blocks 0-1), an assistant reply, a new user message.
  EXPECT_TRUE(
      same(cache.account("k", "m", prompt({1100, 10, 20, 30}, {{3, Ttl::k5m}})), 1110, 50, 0));
  EXPECT_TRUE(same(cache.account("k", "m", prompt({1100, 10, 20, 30, 40, 50}, {{5, Ttl::k5m}})),
                   1160, 90, 0));
}

TEST(FakePromptCache, EntriesArePerKeyAndPerModel) {
  PromptCache cache;
  const auto p = prompt({2000}, {{0, Ttl::k5m}});
  EXPECT_TRUE(same(cache.account("k1", "m1", p), 0, 2000, 0));
  EXPECT_TRUE(same(cache.account("k2", "m1", p), 0, 2000, 0));
  EXPECT_TRUE(same(cache.account("k1", "m2", p), 0, 2000, 0));
  EXPECT_TRUE(same(cache.account("k1", "m1", p), 2000, 0, 0));
  EXPECT_TRUE(same(cache.account("k2", "m1", p), 2000, 0, 0));
}

TEST(FakePromptCache, FiveMinuteEntriesExpireAndAReadRefreshesThem) {
  FakeClock clock;
  PromptCache cache(clock.fn());
  const auto p = prompt({2000}, {{0, Ttl::k5m}});
  cache.account("k", "m", p);
  clock.now += 4min;
  EXPECT_TRUE(same(cache.account("k", "m", p), 2000, 0, 0));  // refreshed to 4 + 5 minutes
  clock.now += 4min + 59s;
  EXPECT_TRUE(same(cache.account("k", "m", p), 2000, 0, 0));
  clock.now += 5min;
  EXPECT_TRUE(same(cache.account("k", "m", p), 0, 2000, 0));  // gone: written again
}

TEST(FakePromptCache, OneHourEntriesLiveAnHour) {
  FakeClock clock;
  PromptCache cache(clock.fn());
  const auto p = prompt({2000}, {{0, Ttl::k1h}});
  EXPECT_TRUE(same(cache.account("k", "m", p), 0, 0, 2000));
  clock.now += 59min;
  EXPECT_TRUE(same(cache.account("k", "m", p), 2000, 0, 0));
  clock.now += 1h;
  EXPECT_TRUE(same(cache.account("k", "m", p), 0, 0, 2000));
  clock.now += 1h + 1s;
  EXPECT_EQ(cache.size(), 1u);
  cache.account("k", "m", prompt({1}, {}));  // drops what expired
  EXPECT_EQ(cache.size(), 0u);
}

TEST(FakePromptCache, APrefixBelowTheMinimumIsNeitherWrittenNorRead) {
  PromptCache cache;
  EXPECT_EQ(min_cacheable_tokens("claude-sonnet-4-5-20250929"), 1024u);
  EXPECT_EQ(min_cacheable_tokens("claude-haiku-4-5-20251001"), 2048u);
  const auto small = prompt({1000, 23}, {{1, Ttl::k5m}});
  EXPECT_TRUE(same(cache.account("k", "claude-sonnet-4-5", small), 0, 0, 0));
  EXPECT_TRUE(same(cache.account("k", "claude-sonnet-4-5", small), 0, 0, 0));
  const auto enough = prompt({1000, 24}, {{1, Ttl::k5m}});
  EXPECT_TRUE(same(cache.account("k", "claude-sonnet-4-5", enough), 0, 1024, 0));
  const auto p = prompt({2047}, {{0, Ttl::k5m}});
  EXPECT_TRUE(same(cache.account("k", "claude-haiku-4-5", p), 0, 0, 0));
  EXPECT_TRUE(
      same(cache.account("k", "claude-haiku-4-5", prompt({2048}, {{0, Ttl::k5m}})), 0, 2048, 0));
  // A short first breakpoint is skipped; the next one writes from the start.
  EXPECT_TRUE(same(cache.account("k", "m", prompt({10, 2000}, {{0, Ttl::k5m}, {1, Ttl::k5m}})), 0,
                   2010, 0));
}

TEST(FakePromptCache, TheLookbackReachesTwentyBlocksBack) {
  std::vector<std::uint64_t> tokens(23, 1);
  tokens[0] = 1500;
  auto warmed = [&] {
    auto cache = std::make_unique<PromptCache>();
    cache->account("k", "m", prompt({1500}, {{0, Ttl::k5m}}));
    return cache;
  };
  // The breakpoint 20 blocks after the cached one finds it; 21 blocks after, not.
  EXPECT_TRUE(same(warmed()->account("k", "m", prompt(tokens, {{20, Ttl::k5m}})), 1500, 20, 0));
  EXPECT_TRUE(same(warmed()->account("k", "m", prompt(tokens, {{21, Ttl::k5m}})), 0, 1521, 0));
  // Another breakpoint within reach still finds it; the longest read wins.
  EXPECT_TRUE(same(warmed()->account("k", "m", prompt(tokens, {{10, Ttl::k5m}, {22, Ttl::k5m}})),
                   1500, 22, 0));
}

TEST(FakePromptCache, TheLongestHitIsTheRead) {
  PromptCache cache;
  cache.account("k", "m", prompt({1100, 100, 100}, {{0, Ttl::k5m}, {2, Ttl::k5m}}));
  EXPECT_TRUE(
      same(cache.account("k", "m", prompt({1100, 100, 100, 5}, {{0, Ttl::k5m}, {3, Ttl::k5m}})),
           1300, 5, 0));
}

TEST(FakePromptCache, CreationIsSplitByTheTtlOfTheBreakpointClosingEachSegment) {
  PromptCache cache;
  const auto p = prompt({1200, 300, 400, 50}, {{0, Ttl::k1h}, {2, Ttl::k5m}});
  EXPECT_TRUE(same(cache.account("k", "m", p), 0, 700, 1200));
  EXPECT_TRUE(same(cache.account("k", "m", p), 1900, 0, 0));
}

}  // namespace
