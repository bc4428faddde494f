#include "server/sessions/cache_breakpoints.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

using Marks = std::vector<std::pair<std::size_t, CacheTtl>>;
constexpr auto k5m = CacheTtl::five_minutes;
constexpr auto k1h = CacheTtl::one_hour;

// tools, system, a pinned seed of two, four history messages, the turn's message.
std::vector<CacheSlot> session_request() {
  std::vector<CacheSlot> slots(9);
  for (std::size_t i = 4; i < 8; ++i) slots[i].droppable = true;
  return slots;
}

CacheTargets targets() {
  CacheTargets t;
  t.last_message = 8;
  t.stable_end = 3;
  t.previous_turn = 6;
  return t;
}

TEST(CacheBreakpoints, AutomaticMarksTheLastMessageTheStablePrefixAndThePreviousTurn) {
  auto plan = plan_cache_breakpoints(session_request(), targets(), true, k5m);
  EXPECT_TRUE(plan.drop_client_marks.empty());
  EXPECT_EQ(plan.add_marks, (Marks{{3, k5m}, {6, k5m}, {8, k5m}}));
}

TEST(CacheBreakpoints, OffPlacesNothing) {
  auto plan = plan_cache_breakpoints(session_request(), targets(), false, k5m);
  EXPECT_TRUE(plan.add_marks.empty());
  EXPECT_TRUE(plan.drop_client_marks.empty());
}

TEST(CacheBreakpoints, TheClientsMarksComeFirstAndOursFillWhatIsLeftInOrderOfWorth) {
  auto slots = session_request();
  slots[0].client_marks = {k5m};
  slots[1].client_marks = {k5m, k5m};
  // One left: the last message, which pays the most.
  auto plan = plan_cache_breakpoints(slots, targets(), true, k5m);
  EXPECT_EQ(plan.add_marks, (Marks{{8, k5m}}));
  slots[2].client_marks = {k5m};
  plan = plan_cache_breakpoints(slots, targets(), true, k5m);
  EXPECT_TRUE(plan.add_marks.empty());
}

TEST(CacheBreakpoints, NeverMoreThanFourWhateverTheTargets) {
  for (std::size_t client = 0; client <= 4; ++client) {
    auto slots = session_request();
    for (std::size_t i = 0; i < client; ++i) slots[i].client_marks = {k5m};
    auto plan = plan_cache_breakpoints(slots, targets(), true, k1h);
    EXPECT_EQ(client + plan.add_marks.size(), std::min<std::size_t>(4, client + 3)) << client;
  }
}

TEST(CacheBreakpoints, ASlotTheClientMarkedGetsNoSecondMark) {
  auto slots = session_request();
  slots[8].client_marks = {k5m};
  auto plan = plan_cache_breakpoints(slots, targets(), true, k5m);
  EXPECT_EQ(plan.add_marks, (Marks{{3, k5m}, {6, k5m}}));
}

TEST(CacheBreakpoints, OldClientMarksOverTheLimitAreLeftOutOldestFirst) {
  // A client that marked every turn: the history would carry more than four.
  auto slots = session_request();
  for (std::size_t i = 4; i < 9; ++i) slots[i].client_marks = {k5m};
  auto plan = plan_cache_breakpoints(slots, targets(), true, k5m);
  EXPECT_EQ(plan.drop_client_marks, (std::vector<std::size_t>{4}));
  EXPECT_TRUE(plan.add_marks.empty());
  // The turn's own, the seed's, the system's and the tools' are never dropped: over the
  // limit on their own, the request goes as the client made it, for upstream to refuse.
  slots = session_request();
  for (std::size_t i : {0, 1, 2, 3, 8}) slots[i].client_marks = {k5m};
  plan = plan_cache_breakpoints(slots, targets(), true, k5m);
  EXPECT_TRUE(plan.drop_client_marks.empty());
  EXPECT_TRUE(plan.add_marks.empty());
}

TEST(CacheBreakpoints, DroppingStopsAtTheLimitAndFreesAPlaceOnlyWhenItOvershoots) {
  auto slots = session_request();
  for (std::size_t i = 4; i < 8; ++i) slots[i].client_marks = {k5m, k5m};
  auto plan = plan_cache_breakpoints(slots, targets(), true, k5m);
  // 8 marks: the two oldest slots go, and the four left are the client's.
  EXPECT_EQ(plan.drop_client_marks, (std::vector<std::size_t>{4, 5}));
  EXPECT_TRUE(plan.add_marks.empty());
  slots[5].client_marks = {k5m, k5m, k5m};
  // 9: dropping 4 and 5 leaves 4... and dropping 5's three overshoots by one: a place
  // for the last message.
  slots[6].client_marks = {k5m};
  plan = plan_cache_breakpoints(slots, targets(), true, k5m);
  EXPECT_EQ(plan.drop_client_marks, (std::vector<std::size_t>{4, 5}));
  EXPECT_EQ(plan.add_marks, (Marks{{8, k5m}}));
}

TEST(CacheBreakpoints, AnHourLongMarkNeverFollowsAFiveMinuteOne) {
  auto slots = session_request();
  slots[1].client_marks = {k5m};  // the system prompt, five minutes
  auto plan = plan_cache_breakpoints(slots, targets(), true, k1h);
  EXPECT_EQ(plan.add_marks, (Marks{{3, k5m}, {6, k5m}, {8, k5m}}));
  // A client's hour-long mark late in the prompt: ours before it take an hour too.
  slots = session_request();
  slots[8].client_marks = {k1h};
  plan = plan_cache_breakpoints(slots, targets(), true, k5m);
  EXPECT_EQ(plan.add_marks, (Marks{{3, k1h}, {6, k1h}}));
  // An hour for the session and no client marks: all an hour.
  plan = plan_cache_breakpoints(session_request(), targets(), true, k1h);
  EXPECT_EQ(plan.add_marks, (Marks{{3, k1h}, {6, k1h}, {8, k1h}}));
}

TEST(CacheBreakpoints, MissingTargetsAndUnmarkableSlotsAreSkipped) {
  auto slots = session_request();
  slots[3].markable = false;
  CacheTargets t;
  t.last_message = 8;
  t.stable_end = 3;
  auto plan = plan_cache_breakpoints(slots, t, true, k5m);
  EXPECT_EQ(plan.add_marks, (Marks{{8, k5m}}));
  // The first turn of a session without tools, system or seed: the last message only.
  std::vector<CacheSlot> one(1);
  t = CacheTargets{};
  t.last_message = 0;
  t.previous_turn = 0;
  plan = plan_cache_breakpoints(one, t, true, k5m);
  EXPECT_EQ(plan.add_marks, (Marks{{0, k5m}}));
}

}  // namespace
}  // namespace gw
