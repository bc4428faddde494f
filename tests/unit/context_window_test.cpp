#include "server/sessions/context_window.hpp"
#include "server/sessions/turn_request.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace gw {
namespace {

// n turns of user + assistant, turn ids t0..t(n-1), oldest first.
std::vector<StoredMessage> turns(int n, std::size_t chars = 10) {
  std::vector<StoredMessage> out;
  for (int i = 0; i < n; ++i) {
    const std::string id = "t" + std::to_string(i);
    out.push_back({"user", "\"" + std::string(chars, 'u') + "\"", id});
    out.push_back({"assistant", "\"" + std::string(chars, 'a') + "\"", id});
  }
  return out;
}

std::vector<std::string> ids(const std::vector<StoredMessage>& m) {
  std::vector<std::string> out;
  for (const auto& x : m) out.push_back(x.turn_id);
  return out;
}

TEST(ContextWindow, NoLimitsKeepsEverything) {
  EXPECT_EQ(context_window(turns(3), false, {}).size(), 6u);
}

TEST(ContextWindow, MessageLimitDropsOldestWholeTurns) {
  auto w = context_window(turns(4), false, {5, 0});
  EXPECT_EQ(ids(w), (std::vector<std::string>{"t2", "t2", "t3", "t3"}));
}

TEST(ContextWindow, TurnCutByTheStoreIsDroppedWhole) {
  auto all = turns(3);
  std::vector<StoredMessage> tail(all.begin() + 1, all.end());  // t0's reply, t1, t2
  auto w = context_window(tail, true, {5, 0});
  EXPECT_EQ(ids(w), (std::vector<std::string>{"t1", "t1", "t2", "t2"}));
}

TEST(ContextWindow, ContinuationTurnsStayTogether) {
  std::vector<StoredMessage> m = turns(1);
  for (const char* role : {"user", "assistant", "user", "assistant"}) {
    m.push_back({role, "\"x\"", "long"});
  }
  auto w = context_window(m, false, {4, 0});
  EXPECT_EQ(ids(w), (std::vector<std::string>{"long", "long", "long", "long"}));
  EXPECT_TRUE(context_window(m, false, {3, 0}).empty());
}

TEST(ContextWindow, TokenBudgetDropsOldestTurns) {
  // Each message ~ 102/4 + 4 = 29 tokens; a turn 58.
  auto w = context_window(turns(4, 100), false, {0, 120});
  EXPECT_EQ(ids(w), (std::vector<std::string>{"t2", "t2", "t3", "t3"}));
}

TEST(TurnRequest, BuildsUpstreamBodyFromSessionHistoryAndPrefill) {
  SessionRecord s;
  s.model = "claude-sonnet-4-5";
  s.max_tokens = 1024;
  s.system_json = R"("You are terse.")";
  TurnInput in;
  in.content_json = R"("What is latin for Ant?")";
  in.max_tokens = 1;
  in.stop_sequences_json = R"j([")"])j";
  in.temperature = 0.0;
  std::vector<StoredMessage> pinned = {{"user", R"("seed q")", ""},
                                       {"assistant", R"("seed a")", ""}};
  std::vector<StoredMessage> history = {
      {"user", R"("q1")", "t1"}, {"assistant", R"("")", "t1"}, {"assistant", "[]", "t1"}};
  std::vector<StoredMessage> turn = {{"user", in.content_json, "t2"}};
  TurnRequestParts p{&s, &in, &pinned, &history, &turn, "The answer is (", false};
  auto body = boost::json::parse(build_turn_request(p)).as_object();
  EXPECT_EQ(body["model"], "claude-sonnet-4-5");
  EXPECT_EQ(body["max_tokens"], 1);
  EXPECT_EQ(body["system"], "You are terse.");
  EXPECT_EQ(body["temperature"].to_number<double>(), 0.0);
  EXPECT_EQ(body["stop_sequences"].as_array().size(), 1u);
  EXPECT_FALSE(body.contains("stream"));
  const auto& msgs = body["messages"].as_array();
  // The empty stored replies of t1 (a string, a content array) are left out: upstream
  // rejects empty assistant content.
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(msgs[0].at("content"), "seed q");
  // Cache breakpoints (cache "auto"): the end of the pinned seed, the previous turn's
  // message and this turn's; a marked string goes as one text block.
  auto marked = [](const char* text) {
    return boost::json::parse(std::string(R"([{"type":"text","text":")") + text +
                              R"(","cache_control":{"type":"ephemeral"}}])");
  };
  EXPECT_EQ(msgs[1].at("content"), marked("seed a"));
  EXPECT_EQ(msgs[2].at("content"), marked("q1"));
  EXPECT_EQ(msgs[3].at("content"), marked("What is latin for Ant?"));
  EXPECT_EQ(msgs[4].at("role"), "assistant");
  EXPECT_EQ(msgs[4].at("content"), "The answer is (");
  // The system prompt comes before the seed's mark, which covers it.
  EXPECT_EQ(body["system"], "You are terse.");
  // Off: the stored text as it is.
  s.cache = "off";
  body = boost::json::parse(build_turn_request(p)).as_object();
  EXPECT_EQ(body["messages"].as_array()[3].at("content"), "What is latin for Ant?");
  EXPECT_EQ(build_turn_request(p).find("cache_control"), std::string::npos);
}

TEST(TurnRequest, PrefillRulesArePrefixMatches) {
  std::vector<std::string> no = {"claude-opus-4-7", "claude-sonnet-4-6"};
  EXPECT_TRUE(rejects_prefill("claude-opus-4-7", no));
  EXPECT_TRUE(rejects_prefill("claude-opus-4-7-20260101", no));
  EXPECT_FALSE(rejects_prefill("claude-sonnet-4-5", no));
  EXPECT_FALSE(rejects_prefill("claude-opus-4", no));
}

namespace tools {

const std::string kAsk =
    R"([{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"w","input":{}}])";
const std::string kAnswer = R"([{"type":"tool_result","tool_use_id":"toolu_1","content":"15 C"}])";

// t0 plain, t1 asks for a tool, t2 answers it (and gets a reply), t3 plain.
std::vector<StoredMessage> with_exchange() {
  return {{"user", "\"hi\"", "t0"},       {"assistant", "\"hello\"", "t0"},
          {"user", "\"weather?\"", "t1"}, {"assistant", kAsk, "t1"},
          {"user", kAnswer, "t2"},        {"assistant", "\"It is 15 C.\"", "t2"},
          {"user", "\"thanks\"", "t3"},   {"assistant", "\"welcome\"", "t3"}};
}

// Dropping t1 for the budget would leave t2's tool_result without its tool_use: the
// whole exchange goes.
TEST(ContextWindow, ToolExchangesAreDroppedWhole) {
  EXPECT_EQ(ids(context_window(with_exchange(), false, {6, 0})),
            (std::vector<std::string>{"t1", "t1", "t2", "t2", "t3", "t3"}));
  EXPECT_EQ(ids(context_window(with_exchange(), false, {4, 0})),
            (std::vector<std::string>{"t3", "t3"}));
  // The store's own cut (t1's user message missing) drops t1, then t2 with it.
  auto all = with_exchange();
  std::vector<StoredMessage> tail(all.begin() + 3, all.end());
  EXPECT_EQ(ids(context_window(tail, true, {})), (std::vector<std::string>{"t3", "t3"}));
  // Nothing dropped: nothing to orphan.
  EXPECT_EQ(context_window(with_exchange(), false, {}).size(), 8u);
}

// The turn being sent answers the newest reply's tool calls: that reply stays, whatever
// the limits.
TEST(ContextWindow, KeepLastTurnKeepsTheReplyATurnAnswers) {
  std::vector<StoredMessage> h = {{"user", "\"hi\"", "t0"},
                                  {"assistant", "\"hello\"", "t0"},
                                  {"user", "\"weather?\"", "t1"},
                                  {"assistant", kAsk, "t1"}};
  ContextLimits limits{1, 0, true};
  EXPECT_EQ(ids(context_window(h, false, limits)), (std::vector<std::string>{"t1", "t1"}));
  limits.keep_last_turn = false;
  EXPECT_TRUE(context_window(h, false, limits).empty());
}

}  // namespace tools

}  // namespace
}  // namespace gw
