#include "server/sessions/cache_marks.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace gw {
namespace {

namespace json = boost::json;

TEST(CacheMarks, AStringBecomesOneMarkedTextBlock) {
  EXPECT_EQ(*with_cache_mark(R"("hi \"there\"")", CacheTtl::five_minutes),
            R"([{"type":"text","text":"hi \"there\"","cache_control":{"type":"ephemeral"}}])");
  EXPECT_EQ(*with_cache_mark(R"("hi")", CacheTtl::one_hour),
            R"([{"type":"text","text":"hi","cache_control":{"type":"ephemeral","ttl":"1h"}}])");
  EXPECT_FALSE(with_cache_mark(R"("")", CacheTtl::five_minutes));
}

TEST(CacheMarks, TheLastBlockOfAListIsMarkedWhateverItHolds) {
  const std::string content =
      R"([{"type":"text","text":"a"},{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"b"}]}])";
  auto marked = with_cache_mark(content, CacheTtl::five_minutes);
  ASSERT_TRUE(marked);
  auto v = json::parse(*marked).as_array();
  EXPECT_FALSE(v[0].as_object().contains("cache_control"));
  EXPECT_EQ(v[1].at("cache_control"), json::parse(R"({"type":"ephemeral"})"));
  EXPECT_FALSE(v[1].at("content").as_array()[0].as_object().contains("cache_control"));
  // Everything else as it was.
  v[1].as_object().erase("cache_control");
  EXPECT_EQ(json::value(v), json::parse(content));
}

TEST(CacheMarks, ThinkingBlocksAndEmptyTextAreSkipped) {
  const std::string content =
      R"([{"type":"text","text":"x"},{"type":"text","text":""},{"type":"thinking","thinking":"t","signature":"s"}])";
  auto v = json::parse(*with_cache_mark(content, CacheTtl::five_minutes)).as_array();
  EXPECT_TRUE(v[0].as_object().contains("cache_control"));
  EXPECT_FALSE(v[1].as_object().contains("cache_control"));
  EXPECT_FALSE(v[2].as_object().contains("cache_control"));
  EXPECT_FALSE(
      with_cache_mark(R"([{"type":"redacted_thinking","data":"d"}])", CacheTtl::five_minutes));
}

TEST(CacheMarks, AToolsArrayMarksItsLastTool) {
  auto marked = with_cache_mark(
      R"([{"name":"a","input_schema":{}},{"name":"b","input_schema":{}}])", CacheTtl::one_hour);
  EXPECT_EQ(
      *marked,
      R"([{"name":"a","input_schema":{}},{"name":"b","input_schema":{},"cache_control":{"type":"ephemeral","ttl":"1h"}}])");
}

TEST(CacheMarks, MarksAreFoundAtEveryLevelWithTheirLifetime) {
  EXPECT_TRUE(cache_marks_in(R"("cache_control")").empty());
  EXPECT_TRUE(cache_marks_in(R"([{"type":"text","text":"\"cache_control\""}])").empty());
  const std::string content =
      R"([{"type":"text","text":"a","cache_control":{"type":"ephemeral","ttl":"1h"}},)"
      R"({"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"b","cache_control":{"type":"ephemeral"}}]}])";
  EXPECT_EQ(cache_marks_in(content),
            (std::vector<CacheTtl>{CacheTtl::one_hour, CacheTtl::five_minutes}));
  const std::string stripped = without_cache_marks(content);
  EXPECT_TRUE(cache_marks_in(stripped).empty());
  EXPECT_EQ(stripped.find("cache_control"), std::string::npos);
  EXPECT_NE(stripped.find(R"("text":"b")"), std::string::npos);
  // Nothing to strip: the very same text.
  EXPECT_EQ(without_cache_marks(R"("a")"), R"("a")");
}

TEST(CacheMarks, AClientMarkedBlockIsNotMarkedTwice) {
  const std::string content =
      R"([{"type":"text","text":"a"},{"type":"text","text":"b","cache_control":{"type":"ephemeral"}}])";
  auto v = json::parse(*with_cache_mark(content, CacheTtl::one_hour)).as_array();
  // Through the parse: one cache_control key, the gateway's.
  EXPECT_EQ(v[1].at("cache_control").at("ttl"), "1h");
  EXPECT_EQ(cache_marks_in(json::serialize(v)).size(), 1u);
}

}  // namespace
}  // namespace gw
