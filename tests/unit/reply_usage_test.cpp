#include "server/upstream/reply_usage.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gw {
namespace {

TokenUsage scan(const std::string& body, bool& json) {
  boost::system::error_code ec;
  auto u = scan_reply_usage(body, ec);
  json = !ec;
  return u;
}

TEST(ReplyUsage, ReadsTheFourCountsOfAMessage) {
  bool json = false;
  auto u = scan(R"({"id":"msg_1","type":"message","content":[{"type":"text","text":"usage"}],)"
                R"("usage":{"input_tokens":12,"output_tokens":5,)"
                R"("cache_creation_input_tokens":3,"cache_read_input_tokens":7}})",
                json);
  EXPECT_TRUE(json);
  EXPECT_EQ(u.input_tokens, 12u);
  EXPECT_EQ(u.output_tokens, 5u);
  EXPECT_EQ(u.cache_creation_input_tokens, 3u);
  EXPECT_EQ(u.cache_read_input_tokens, 7u);
}

// As read_usage on the DOM: the last "usage" and the last of a repeated count win, and a
// count that is not a non-negative integer is absent; nested "usage" keys are not it.
TEST(ReplyUsage, FollowsTheDocumentsRulesForOddCounts) {
  bool json = false;
  auto u = scan(R"({"content":[{"usage":{"input_tokens":99}}],)"
                R"("usage":{"input_tokens":50},)"
                R"("usage":{"input_tokens":1,"input_tokens":4,"output_tokens":-2,)"
                R"("cache_creation_input_tokens":2.0,"cache_read_input_tokens":{"n":1}}})",
                json);
  EXPECT_TRUE(json);
  EXPECT_EQ(u.input_tokens, 4u);
  EXPECT_EQ(u.output_tokens, 0u);
  EXPECT_EQ(u.cache_creation_input_tokens, 0u);
  EXPECT_EQ(u.cache_read_input_tokens, 0u);
  u = scan(R"({"usage":{"output_tokens":8},"usage":"none"})", json);
  EXPECT_TRUE(json);
  EXPECT_EQ(u.output_tokens, 0u);
  u = scan(R"([{"usage":{"output_tokens":8}}])", json);
  EXPECT_TRUE(json);
  EXPECT_EQ(u.output_tokens, 0u);
}

TEST(ReplyUsage, WhatIsNotJsonIsSaid) {
  bool json = true;
  for (const std::string& body :
       std::vector<std::string>{R"({"usage":{"input_tokens":1})", R"({"a":1} x)", "",
                                "{\"a\":\"\xff\"}", std::string(3000, '[')}) {
    scan(body, json);
    EXPECT_FALSE(json) << body.substr(0, 40);
  }
}

}  // namespace
}  // namespace gw
