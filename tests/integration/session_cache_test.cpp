// Automatic prompt caching on sessions, against the fake's cache accounting (which keeps
// the prefixes up to each breakpoint per API key, as upstream does).

#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <iostream>
#include <string>

namespace gw::test {
namespace {

namespace json = boost::json;

std::uint64_t count_of(const json::value& usage, const char* name) {
  const auto* v = usage.as_object().if_contains(name);
  return v ? v->to_number<std::uint64_t>() : 0;
}

std::uint64_t total_input(const json::value& u) {
  return count_of(u, "input_tokens") + count_of(u, "cache_creation_input_tokens") +
         count_of(u, "cache_read_input_tokens");
}

std::size_t occurrences(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class SessionCacheTest : public GatewayFixture {
 protected:
  void SetUp() override { start(); }

  std::string create(const std::string& body) {
    auto r = call("POST", "/gateway/v1/sessions", body);
    EXPECT_EQ(r.status, 201u) << r.body;
    return std::string(parse_object(r.body)["id"].as_string());
  }

  json::object turn(const std::string& id, const std::string& body) {
    auto r = call("POST", "/gateway/v1/sessions/" + id + "/messages", body);
    EXPECT_EQ(r.status, 200u) << r.body;
    return parse_object(r.body);
  }

  // A system prompt past upstream's minimum cacheable prefix (1024 tokens): one token a
  // word under the fake's rule.
  static std::string long_system() {
    std::string s;
    for (int i = 0; i < 1200; ++i) s += "policy ";
    return s + "Answer briefly.";
  }
};

TEST_F(SessionCacheTest, TwentyTurnsReadTheWholeHistoryFromTheCache) {
  const std::string id = create(R"({"system":")" + long_system() + R"("})");
  std::uint64_t read = 0, written = 0, uncached = 0, total = 0, previous_total = 0;
  for (int i = 1; i <= 20; ++i) {
    auto r =
        turn(id, R"({"content":"Question )" + std::to_string(i) + R"(: say more [[words:40]]"})");
    const json::value& u = r["usage"];
    const std::uint64_t this_read = count_of(u, "cache_read_input_tokens");
    if (i == 1) {
      EXPECT_EQ(this_read, 0u);
    } else {
      // Everything the previous turn sent (system, history, its question) is read back;
      // only its reply and this question are new.
      EXPECT_EQ(this_read, previous_total) << "turn " << i;
    }
    EXPECT_GT(count_of(u, "cache_creation_input_tokens"), 0u) << "turn " << i;
    read += this_read;
    written += count_of(u, "cache_creation_input_tokens");
    uncached += count_of(u, "input_tokens");
    previous_total = total_input(u);
    total += previous_total;
  }
  // The figures for the closing note: what 20 turns cost with the cache and without.
  std::cout << "20 turns: input " << total << " tokens = read from cache " << read
            << " + written to cache " << written << " + uncached " << uncached << "\n";
  EXPECT_EQ(read + written + uncached, total);
  EXPECT_GT(read, 9 * written);

  // The session sums what its turns used.
  auto s = parse_object(call("GET", "/gateway/v1/sessions/" + id).body);
  EXPECT_EQ(s["cache"], "auto");
  EXPECT_EQ(s["cache_ttl"], "5m");
  EXPECT_EQ(count_of(s["usage"], "cache_read_input_tokens"), read);
  EXPECT_EQ(count_of(s["usage"], "cache_creation_input_tokens"), written);
  EXPECT_EQ(count_of(s["usage"], "input_tokens"), uncached);
  // And /metrics counts them.
  const std::string metrics = http_request("GET", url("/metrics")).body;
  EXPECT_NE(
      metrics.find("gateway_tokens_total{direction=\"cache_read_input\"} " + std::to_string(read)),
      std::string::npos)
      << metrics;
}

// Once the context window drops old turns, the prefix before the last turn changes every
// time: only the mark at the end of the stable prefix (the system prompt here) is read.
TEST_F(SessionCacheTest, ATrimmedWindowStillReadsTheStablePrefix) {
  start([](Config& c) { c.sessions.max_context_messages = 4; });
  const std::string id = create(R"({"system":")" + long_system() + R"("})");
  std::uint64_t system_tokens = 0;
  for (int i = 1; i <= 6; ++i) {
    auto r = turn(id, R"({"content":"Question )" + std::to_string(i) + R"("})");
    const auto read = count_of(r["usage"], "cache_read_input_tokens");
    if (i == 1) {
      EXPECT_EQ(read, 0u);
    } else if (i == 2) {
      system_tokens = read;  // not trimmed yet: the whole first turn, system included
    } else if (i >= 4) {
      // Trimmed (the first turn is gone from turn 4 on): the system prompt's 1,200-odd
      // tokens still come from the cache, and no more.
      EXPECT_GE(read, 1200u) << "turn " << i;
      EXPECT_LT(read, system_tokens + 100) << "turn " << i;
    }
  }
}

TEST_F(SessionCacheTest, AStreamedTurnReportsTheCacheToo) {
  const std::string id = create(R"({"system":")" + long_system() + R"("})");
  auto first = turn(id, R"({"content":"hello"})");
  auto r = call("POST", "/gateway/v1/sessions/" + id + "/messages",
                R"({"content":"and again","stream":true})");
  ASSERT_EQ(r.status, 200u) << r.body;
  // Upstream's message_start and message_delta say it, and so does the turn's own
  // turn_committed.
  const std::string read =
      R"("cache_read_input_tokens":)" + std::to_string(total_input(first["usage"]));
  EXPECT_EQ(occurrences(r.body, read), 3u) << r.body;
  auto s = parse_object(call("GET", "/gateway/v1/sessions/" + id).body);
  EXPECT_EQ(count_of(s["usage"], "cache_read_input_tokens"), total_input(first["usage"]));
}

TEST_F(SessionCacheTest, OffSendsNoMarksAndATurnMayTurnItOn) {
  const std::string id = create(R"({"system":")" + long_system() + R"(","cache":"off"})");
  auto r = turn(id, R"({"content":"hello"})");
  EXPECT_EQ(fake().recorded().back().body.find("cache_control"), std::string::npos);
  EXPECT_EQ(count_of(r["usage"], "cache_creation_input_tokens"), 0u);
  r = turn(id, R"({"content":"again","cache":"auto","cache_ttl":"1h"})");
  const std::string sent = fake().recorded().back().body;
  // The system prompt (the stable prefix), the previous question and this one.
  EXPECT_EQ(occurrences(sent, R"("cache_control":{"type":"ephemeral","ttl":"1h"})"), 3u) << sent;
  EXPECT_GT(count_of(r["usage"], "cache_creation_input_tokens"), 1024u);
}

TEST_F(SessionCacheTest, TheClientsMarksAreKeptAndOldOnesLeftOutPastFour) {
  const std::string id = create(R"({"system":")" + long_system() + R"("})");
  for (int i = 1; i <= 6; ++i) {
    // Every turn marked by the client: by the fifth, the history alone holds four.
    turn(id, R"({"content":[{"type":"text","text":"question )" + std::to_string(i) +
                 R"(","cache_control":{"type":"ephemeral"}}]})");
    const std::string sent = fake().recorded().back().body;
    EXPECT_LE(occurrences(sent, R"("cache_control")"), 4u) << "turn " << i << ": " << sent;
    // This turn's own mark is always there, as the client placed it.
    EXPECT_NE(sent.find(R"("text":"question )" + std::to_string(i) +
                        R"(","cache_control":{"type":"ephemeral"})"),
              std::string::npos)
        << sent;
  }
  // The store keeps every message as the client sent it, marks included.
  auto history = parse_object(call("GET", "/gateway/v1/sessions/" + id).body)["messages"];
  std::size_t marked = 0;
  for (const auto& m : history.as_array()) {
    if (json::serialize(m).find("cache_control") != std::string::npos) ++marked;
  }
  EXPECT_EQ(marked, 6u);
}

}  // namespace
}  // namespace gw::test
