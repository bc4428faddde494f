#include "fake/completion.hpp"
#include "fake/reply_text.hpp"
#include "fake/token_count.hpp"

#include <gtest/gtest.h>

namespace {

using namespace gw::fake;

TEST(FakeTokens, Rule) {
  EXPECT_EQ(count_text_tokens(""), 0u);
  EXPECT_EQ(count_text_tokens("   \n\t"), 0u);
  EXPECT_EQ(count_text_tokens("Hello there!"), 3u);
  EXPECT_EQ(count_text_tokens("a,b"), 3u);
  EXPECT_EQ(count_text_tokens("x2 y3"), 2u);
  EXPECT_EQ(count_text_tokens("\xc3\xa9t\xc3\xa9 caf\xc3\xa9"), 2u);  // UTF-8 stays in words
  EXPECT_EQ(count_text_tokens("{\"a\": 1}"), 7u);
}

TEST(FakeTokens, EndsSplitLosslessly) {
  const std::string_view text = "  Hello,  world!\n";
  const auto ends = token_ends(text);
  EXPECT_EQ(ends, (std::vector<std::size_t>{7, 8, 15, 16}));
  EXPECT_EQ(prefix_within_tokens(text, 2), 8u);
  EXPECT_EQ(prefix_within_tokens(text, 4), text.size());
  EXPECT_EQ(prefix_within_tokens(text, 0), 0u);
}

TEST(FakeTokens, ImageCost) {
  EXPECT_EQ(image_tokens(1, 1), 1u);
  EXPECT_EQ(image_tokens(1000, 1000), 1334u);
  EXPECT_EQ(image_tokens(750, 1), 1u);
  EXPECT_EQ(image_tokens(751, 1), 2u);
}

TEST(FakeReplyText, MarkerParsing) {
  EXPECT_EQ(words_marker("x [[words:12]] y"), 12u);
  EXPECT_EQ(words_marker("[[words:]] [[words:3]]"), 3u);
  EXPECT_EQ(words_marker("[[words:99999999999999999999999]]"), kMaxMarkerWords);
  EXPECT_FALSE(words_marker("[[words:5]"));
  EXPECT_FALSE(words_marker("plain"));
}

TEST(FakeReplyText, CompletionEarliestStopWins) {
  const auto c = complete("abc def ghi", 100, {"ghi", "ef", "de"});
  EXPECT_EQ(c.text, "abc ");
  EXPECT_EQ(c.stop_sequence, "de");
  EXPECT_EQ(c.stop_reason, "stop_sequence");
  const auto tie = complete("abc def", 100, {"de", "def"});
  EXPECT_EQ(tie.stop_sequence, "de");
}

}  // namespace
