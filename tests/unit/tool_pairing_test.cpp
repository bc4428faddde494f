#include "server/sessions/tool_pairing.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

const StoredMessage kAsked{
    "assistant",
    R"([{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_a","name":"w","input":{}},)"
    R"({"type":"tool_use","id":"toolu_b","name":"t","input":{}}])",
    "t1"};

std::string refusal(const StoredMessage* last, std::string_view content) {
  auto e = check_tool_pairing(last, content);
  return e ? e->message : std::string();
}

std::string result(std::string_view id) {
  return R"({"type":"tool_result","tool_use_id":")" + std::string(id) + R"(","content":"ok"})";
}

TEST(ToolPairing, EveryCallAnsweredAndNothingElse) {
  EXPECT_EQ(refusal(&kAsked, "[" + result("toolu_b") + "," + result("toolu_a") + "]"), "");
  // Text beside the results is fine.
  EXPECT_EQ(refusal(&kAsked, "[" + result("toolu_a") + R"(,{"type":"text","text":"and?"},)" +
                                 result("toolu_b") + "]"),
            "");
  // No calls, no results: a plain turn.
  const StoredMessage plain{"assistant", R"("Hello.")", "t0"};
  EXPECT_EQ(refusal(&plain, R"("hi")"), "");
  EXPECT_EQ(refusal(nullptr, R"([{"type":"text","text":"hi"}])"), "");
}

TEST(ToolPairing, AnUnansweredCallIsNamed) {
  EXPECT_EQ(refusal(&kAsked, "[" + result("toolu_a") + "]"),
            "content: the session's last reply called tools this turn does not answer: toolu_b. "
            "Each tool_use block must be answered by a tool_result block (its tool_use_id) in "
            "the next turn's content");
  EXPECT_NE(refusal(&kAsked, R"("just text")").find("does not answer: toolu_a, toolu_b."),
            std::string::npos);
}

TEST(ToolPairing, AResultForAnUnknownCallIsNamedWithItsPath) {
  EXPECT_EQ(refusal(&kAsked, "[" + result("toolu_a") + "," + result("toolu_b") + "," +
                                 result("toolu_z") + "]"),
            "content.2.tool_use_id: toolu_z answers no tool_use block of the session's last "
            "reply. Each tool_result block must answer a tool_use block of the reply before it");
  EXPECT_EQ(refusal(nullptr, "[" + result("toolu_q") + "]"),
            "content.0.tool_use_id: toolu_q answers no tool_use block of the session's last "
            "reply (it has none). Each tool_result block must answer a tool_use block of the "
            "reply before it");
  // A user message last (a seed ending with the user) has no calls either.
  const StoredMessage user{"user", R"("hi")", ""};
  EXPECT_NE(refusal(&user, "[" + result("toolu_a") + "]"), "");
}

TEST(ToolPairing, AnswersTools) {
  EXPECT_TRUE(answers_tools({"user", "[" + result("x") + "]", "t"}));
  EXPECT_FALSE(answers_tools({"user", R"("[tool_result]")", "t"}));
  EXPECT_FALSE(answers_tools(kAsked));
  EXPECT_EQ(tool_use_ids(kAsked.content_json), (std::vector<std::string>{"toolu_a", "toolu_b"}));
}

}  // namespace
}  // namespace gw
