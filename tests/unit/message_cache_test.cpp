#include "server/store/message_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gw {
namespace {

std::vector<StoredMessage> messages(int n, const std::string& tag, std::size_t size = 10) {
  std::vector<StoredMessage> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({"user", std::string(size, 'x') + tag + std::to_string(i), "turn_" + tag});
  }
  return out;
}

TEST(MessageCache, AnswersOnlyWhenEveryAskedPositionIsThere) {
  MessageCache cache(1 << 20);
  cache.put(7, 2, messages(3, "a"));  // positions 2, 3, 4
  auto hit = cache.get(7, 2, 5);
  ASSERT_TRUE(hit);
  ASSERT_EQ(hit->size(), 3u);
  EXPECT_EQ((*hit)[0].content_json, std::string(10, 'x') + "a0");
  EXPECT_EQ((*hit)[2].content_json, std::string(10, 'x') + "a2");
  EXPECT_TRUE(cache.get(7, 3, 4));
  EXPECT_FALSE(cache.get(7, 1, 4));  // position 1 was never read
  EXPECT_FALSE(cache.get(7, 2, 6));  // nor 5
  EXPECT_FALSE(cache.get(8, 0, 1));  // another session
  auto empty = cache.get(9, 0, 0);   // nothing asked: nothing missing
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(MessageCache, ACommitExtendsWhatWasRead) {
  MessageCache cache(1 << 20);
  cache.put(1, 0, messages(2, "seed"));
  cache.put(1, 2, messages(2, "turn"));
  auto all = cache.get(1, 0, 4);
  ASSERT_TRUE(all);
  EXPECT_EQ((*all)[3].turn_id, "turn_turn");
  // A position already held keeps its first value: a history never changes.
  cache.put(1, 3, messages(1, "other"));
  EXPECT_EQ(cache.get(1, 3, 4)->front().turn_id, "turn_turn");
}

TEST(MessageCache, ForgetDropsWhatTheWindowLeftBehind) {
  MessageCache cache(1 << 20);
  cache.put(1, 0, messages(6, "m"));
  const auto before = cache.bytes();
  cache.forget(1, 1, 4);  // keeps 0 (pinned) and 4, 5
  EXPECT_LT(cache.bytes(), before);
  EXPECT_TRUE(cache.get(1, 0, 1));
  EXPECT_TRUE(cache.get(1, 4, 6));
  EXPECT_FALSE(cache.get(1, 3, 5));
  cache.forget(1, 0, 6);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(MessageCache, StaysWithinItsBudgetDroppingTheLeastRecentlyUsedSession) {
  MessageCache cache(4000);
  cache.put(1, 0, messages(4, "one", 200));  // ~1.5 KB
  cache.put(2, 0, messages(4, "two", 200));
  ASSERT_TRUE(cache.get(1, 0, 4));  // 1 is now the most recent
  cache.put(3, 0, messages(4, "three", 200));
  EXPECT_LE(cache.bytes(), 4000u);
  EXPECT_TRUE(cache.get(1, 0, 4));
  EXPECT_FALSE(cache.get(2, 0, 1));  // the least recently used went
  EXPECT_TRUE(cache.get(3, 0, 4));
  cache.erase(1);
  EXPECT_FALSE(cache.get(1, 0, 1));
}

TEST(MessageCache, ZeroBytesKeepsNothing) {
  MessageCache cache(0);
  cache.put(1, 0, messages(2, "m"));
  EXPECT_FALSE(cache.get(1, 0, 2));
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace gw
