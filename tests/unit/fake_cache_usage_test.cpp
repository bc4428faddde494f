// Prompt caching through the fake's handler: breakpoints in a request body, the rules on
// them, and the usage a reply reports (fake/prompt_cache.hpp for the store's own tests).

#include "fake/prompt_cache.hpp"
#include "tests/unit/fake_test_support.hpp"
#include "tests/unit/test_images.hpp"

#include <gtest/gtest.h>

namespace {

using namespace gw::fake_test;
namespace img = gw::test_images;
using gw::fake::CacheScope;
using gw::fake::PromptCache;

const json::object kEphemeral = {{"type", "ephemeral"}};

// `n` tokens of text.
std::string words(std::size_t n, std::string_view word = "lorem") {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) s += ' ';
    s += word;
  }
  return s;
}

json::object marked(json::object block, json::object mark = kEphemeral) {
  block["cache_control"] = std::move(mark);
  return block;
}

gw::fake::Reply create_cached(PromptCache& cache, const json::object& body,
                              std::string_view key = "key-1") {
  return gw::fake::create_message(json::serialize(body), "req_test", {}, CacheScope{&cache, key});
}

struct Usage {
  std::int64_t input = 0, creation = 0, read = 0, c5m = 0, c1h = 0;
  bool operator==(const Usage&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Usage& u) {
  return os << "{input " << u.input << ", creation " << u.creation << ", read " << u.read << ", 5m "
            << u.c5m << ", 1h " << u.c1h << "}";
}

Usage usage_of(const json::value& usage) {
  Usage u;
  u.input = usage.at("input_tokens").as_int64();
  u.creation = usage.at("cache_creation_input_tokens").as_int64();
  u.read = usage.at("cache_read_input_tokens").as_int64();
  if (const auto* split = usage.as_object().if_contains("cache_creation")) {
    u.c5m = split->at("ephemeral_5m_input_tokens").as_int64();
    u.c1h = split->at("ephemeral_1h_input_tokens").as_int64();
  }
  return u;
}

Usage usage_of(const gw::fake::Reply& r) {
  EXPECT_EQ(r.status, 200u) << r.body;
  return usage_of(parse_object(r.body).at("usage"));
}

std::int64_t total_tokens(json::object body) {
  body.erase("max_tokens");
  const auto r = gw::fake::count_tokens(json::serialize(body), "req_test", {});
  EXPECT_EQ(r.status, 200u) << r.body;
  return parse_object(r.body).at("input_tokens").as_int64();
}

// A system prompt long enough to cache, marked.
json::object with_cached_system(json::object body, json::object mark = kEphemeral) {
  body["system"] = json::array{marked(text_block(words(1500)), std::move(mark))};
  return body;
}

TEST(FakeCacheUsage, TheFirstRequestWritesTheSecondReadsUpToTheBreakpoint) {
  PromptCache cache;
  const auto body = with_cached_system(request({user("Hello")}));
  const std::int64_t total = total_tokens(body);
  EXPECT_EQ(usage_of(create_cached(cache, body)), (Usage{total - 1500, 1500, 0, 1500, 0}));
  EXPECT_EQ(usage_of(create_cached(cache, body)), (Usage{total - 1500, 0, 1500, 0, 0}));
  // count_tokens caches nothing and reports the whole prompt.
  EXPECT_EQ(total, 1500 + 3 + 1);
}

TEST(FakeCacheUsage, WithoutACacheOrABreakpointNothingChanges) {
  PromptCache cache;
  const auto body = request({user(json::string(words(3000)))});
  const Usage plain = usage_of(create(body));
  EXPECT_EQ(plain, (Usage{total_tokens(body), 0, 0, 0, 0}));
  EXPECT_EQ(usage_of(create_cached(cache, body)), plain);
  EXPECT_EQ(usage_of(create(with_cached_system(request({user("x")})))).creation, 0);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(FakeCacheUsage, AGrowingConversationReadsThePreviousTurnAndWritesOnlyTheNewPart) {
  PromptCache cache;
  json::array history = {user(json::array{marked(text_block(words(1200)))})};
  json::object body = request(history);
  const std::int64_t first = total_tokens(body);
  EXPECT_EQ(usage_of(create_cached(cache, body)), (Usage{0, first, 0, first, 0}));
  for (int turn = 0; turn < 3; ++turn) {
    const std::int64_t before = total_tokens(body);
    const json::object reply = parse_object(create(body).body);
    // The mark moves to the new last user message; the old one loses it.
    history.back().as_object()["content"].as_array().back().as_object().erase("cache_control");
    history.push_back(assistant(reply.at("content")));
    history.push_back(user(json::array{marked(text_block("question " + std::to_string(turn)))}));
    body = request(history);
    const std::int64_t now = total_tokens(body);
    EXPECT_EQ(usage_of(create_cached(cache, body)),
              (Usage{0, now - before, before, now - before, 0}))
        << "turn " << turn;
  }
}

TEST(FakeCacheUsage, ReadPlusCreationPlusInputIsTheUncachedInputEverywhere) {
  // Every kind of block the token rule counts, the mark on the last one: the whole prompt
  // is written, so the blocks' shares add up to the uncached input_tokens exactly.
  PromptCache cache;
  json::object tool = {{"name", "get_weather"},
                       {"description", words(600, "weather")},
                       {"input_schema", {{"type", "object"}}},
                       {"cache_control", kEphemeral}};
  json::array messages = {
      user(json::array{image_block("image/png", img::base64(img::png(1000, 1000))),
                       text_block("Weather?")}),
      assistant(json::array{json::object{{"type", "tool_use"},
                                         {"id", "toolu_1"},
                                         {"name", "get_weather"},
                                         {"input", {{"location", "Paris"}}}}}),
      user(json::array{
          marked({{"type", "tool_result"}, {"tool_use_id", "toolu_1"}, {"content", "15 C"}})})};
  json::object body = request(messages, "claude-sonnet-4-6");
  body["system"] = "You are terse.";
  body["tools"] = json::array{tool};
  const std::int64_t total = total_tokens(body);
  const Usage first = usage_of(create_cached(cache, body));
  EXPECT_EQ(first.input, 0);
  EXPECT_EQ(first.creation, total);
  EXPECT_EQ(usage_of(create(body)).input, total);
  const Usage second = usage_of(create_cached(cache, body));
  EXPECT_EQ(second, (Usage{0, 0, total, 0, 0}));
}

TEST(FakeCacheUsage, EntriesArePerApiKeyAndPerModel) {
  PromptCache cache;
  const auto body = with_cached_system(request({user("Hello")}));
  EXPECT_EQ(usage_of(create_cached(cache, body, "key-1")).creation, 1500);
  EXPECT_EQ(usage_of(create_cached(cache, body, "key-2")).creation, 1500);
  EXPECT_EQ(usage_of(create_cached(cache, body, "key-1")).read, 1500);
  json::object other = body;
  other["model"] = "claude-opus-4-6";
  EXPECT_EQ(usage_of(create_cached(cache, other, "key-1")).creation, 1500);
  // An alias and its dated id are one model.
  json::object dated = body;
  dated["model"] = "claude-sonnet-4-5-20250929";
  EXPECT_EQ(usage_of(create_cached(cache, dated, "key-1")).read, 1500);
}

TEST(FakeCacheUsage, TheMarkIsNotPartOfThePrefixNorIsTheStringForm) {
  PromptCache cache;
  // Automatic caching marks the last block of the last message, here a string content.
  json::object automatic = request({user(json::string(words(1100)))});
  automatic["cache_control"] = kEphemeral;
  const std::int64_t total = total_tokens(automatic);
  EXPECT_EQ(usage_of(create_cached(cache, automatic)).creation, total);
  // The same prefix as one text block, marked, with more messages after it.
  json::object explicit_mark =
      request({user(json::array{marked(text_block(words(1100)))}), assistant("ok"), user("more")});
  EXPECT_EQ(usage_of(create_cached(cache, explicit_mark)),
            (Usage{total_tokens(explicit_mark) - total, 0, total, 0, 0}));
  // The mark moved to a later block, the earlier one unmarked: still the same prefix.
  json::object later =
      request({user(json::array{text_block(words(1100))}), assistant("ok"), user("more")});
  later["cache_control"] = kEphemeral;
  const Usage u = usage_of(create_cached(cache, later));
  EXPECT_EQ(u.read, total);
  EXPECT_EQ(u.creation, total_tokens(later) - total);
}

TEST(FakeCacheUsage, AShortPrefixIsNotCachedAndHaikuNeedsTwiceAsMuch) {
  PromptCache cache;
  json::object short_one = request({user(json::array{marked(text_block(words(1000)))})});
  EXPECT_EQ(usage_of(create_cached(cache, short_one)), (Usage{1003, 0, 0, 0, 0}));
  json::object haiku =
      request({user(json::array{marked(text_block(words(1500)))})}, "claude-haiku-4-5");
  EXPECT_EQ(usage_of(create_cached(cache, haiku)).creation, 0);
  haiku["model"] = "claude-sonnet-4-5";
  EXPECT_EQ(usage_of(create_cached(cache, haiku)).creation, 1503);
}

TEST(FakeCacheUsage, OneHourMarksAreReportedApart) {
  PromptCache cache;
  json::object body =
      with_cached_system(request({user(json::array{marked(text_block(words(200)))})}),
                         {{"type", "ephemeral"}, {"ttl", "1h"}});
  EXPECT_EQ(usage_of(create_cached(cache, body)), (Usage{0, 1703, 0, 203, 1500}));
  EXPECT_EQ(usage_of(create_cached(cache, body)), (Usage{0, 0, 1703, 0, 0}));
}

TEST(FakeCacheUsage, TheStreamReportsTheSameUsageAsTheJsonForm) {
  PromptCache cache;
  const auto body = with_cached_system(request({user("Hello")}));
  auto stream_usage = [&](const gw::fake::Reply& r) {
    const StreamedMessage s = read_stream(r);
    const Usage start = usage_of(s.start.at("usage"));
    Usage end = usage_of(s.final_delta.at("usage"));
    end.c5m = start.c5m;  // message_delta carries no per-ttl split
    end.c1h = start.c1h;
    EXPECT_EQ(start, end);
    return start;
  };
  const Usage written = stream_usage(create_cached(cache, streaming(body)));
  EXPECT_EQ(written, (Usage{4, 1500, 0, 1500, 0}));
  const Usage read = stream_usage(create_cached(cache, streaming(body)));
  EXPECT_EQ(read, usage_of(create_cached(cache, body)));
  EXPECT_EQ(read.read, 1500);
}

std::string cached_error(const json::object& body) {
  PromptCache cache;
  const auto r = create_cached(cache, body);
  EXPECT_EQ(r.status, 400u);
  const std::string message = error_message(r);
  // count_tokens refuses the same way.
  json::object counted = body;
  counted.erase("max_tokens");
  const auto c = gw::fake::count_tokens(json::serialize(counted), "req_test", {});
  EXPECT_EQ(error_message(c), message);
  return message;
}

TEST(FakeCacheUsage, AtMostFourBreakpoints) {
  json::array blocks;
  for (int i = 0; i < 4; ++i) blocks.push_back(marked(text_block("part")));
  json::object four = request({user(blocks)});
  EXPECT_EQ(create(four).status, 200u);
  four["cache_control"] = kEphemeral;  // on a block already marked: no fifth
  EXPECT_EQ(create(four).status, 200u);
  json::object five = four;
  five["system"] = json::array{marked(text_block("system"))};
  EXPECT_EQ(cached_error(five),
            "A maximum of 4 blocks with cache_control may be provided. Found 5.");
  json::object automatic = request({user(blocks), assistant("a"), user("b")});
  automatic["cache_control"] = kEphemeral;
  EXPECT_EQ(cached_error(automatic),
            "A maximum of 4 blocks with cache_control may be provided. Found 5.");
}

TEST(FakeCacheUsage, MarksAreValidated) {
  const json::object one_hour = {{"type", "ephemeral"}, {"ttl", "1h"}};
  json::object late =
      with_cached_system(request({user(json::array{marked(text_block("q"), one_hour)})}));
  EXPECT_EQ(cached_error(late),
            "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. "
            "Note that blocks are processed in the following order: `tools`, `system`, "
            "`messages`.");
  // Tools come first, whatever the order of the body's fields.
  json::object tools_first = with_cached_system(request({user("q")}), one_hour);
  tools_first["tools"] =
      json::array{marked({{"name", "t"}, {"input_schema", {{"type", "object"}}}})};
  EXPECT_EQ(cached_error(tools_first),
            "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. "
            "Note that blocks are processed in the following order: `tools`, `system`, "
            "`messages`.");
  EXPECT_EQ(
      create(with_cached_system(request({user(json::array{marked(text_block("q"))})}), one_hour))
          .status,
      200u);

  EXPECT_EQ(
      cached_error(request({user(json::array{
          text_block("a"), marked(text_block("q"), {{"type", "ephemeral"}, {"ttl", "2h"}})})})),
      "messages.0.content.1.cache_control.ttl: Input should be '5m' or '1h'");
  EXPECT_EQ(
      cached_error(request({user(json::array{marked(text_block("q"), {{"type", "forever"}})})})),
      "messages.0.content.0.cache_control.type: Input should be 'ephemeral'");
  json::object top = request({user("q")});
  top["cache_control"] = {{"type", "ephemeral"}, {"ttl", "5h"}};
  EXPECT_EQ(cached_error(top), "cache_control.ttl: Input should be '5m' or '1h'");
  EXPECT_EQ(cached_error(request({user(json::array{text_block("a"), marked(text_block(""))})})),
            "messages.0.content.1.text: cache_control cannot be set for empty text blocks");
  json::object system = request({user("q")});
  system["system"] = json::array{marked(text_block(""))};
  EXPECT_EQ(cached_error(system),
            "system.0.text: cache_control cannot be set for empty text blocks");
  // An explicit null is no mark.
  json::object null_mark = text_block("q");
  null_mark["cache_control"] = nullptr;
  EXPECT_EQ(create(request({user(json::array{null_mark})})).status, 200u);
}

}  // namespace
