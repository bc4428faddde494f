// Background turns, the per-turn event log and its readers, capability tokens and
// Idempotency-Key (API.md "Background turns and EventSource"), in-process against the TLS
// fake. Readers leave and come back at chosen events; what they get is compared with one
// uninterrupted read of the same turn.

#include "support/eventually.hpp"
#include "support/expect_error.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/raw_client.hpp"
#include "support/sse_events.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <future>
#include <string>
#include <thread>
#include <vector>

namespace gw::test {
namespace {

namespace json = boost::json;
using fake::Fault;
using fake::FaultKind;

std::uint64_t seq_of(const std::string& id) {
  return std::stoull(id.substr(id.rfind('.') + 1));
}

class TurnsTest : public GatewayFixture {
 protected:
  void start(const Tweak& tweak = {}) {
    GatewayFixture::start([&](Config& c) {
      c.streaming.token_secret = "a-test-secret-that-is-long-enough-0123456789";
      if (tweak) tweak(c);
    });
  }
  void SetUp() override { start(); }

  // The fake's next reply holds after `after_events` events (0: before it answers) until
  // the test releases it: a turn that stays running while readers come and go.
  void hold_upstream(std::size_t after_events) {
    Fault hold;
    hold.kind = FaultKind::hold;
    hold.after_events = after_events;
    fake().faults().add(hold);
  }

  std::string create_id() {
    auto r = call("POST", "/gateway/v1/sessions", "{}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return std::string(parse_object(r.body)["id"].as_string());
  }

  std::string turns_path(const std::string& session) {
    return "/gateway/v1/sessions/" + session + "/messages";
  }

  // POSTs a background turn; its 202 body.
  json::object background(const std::string& session, std::string_view content,
                          Headers extra = {}) {
    auto r =
        call("POST", turns_path(session),
             R"({"content":")" + std::string(content) + R"(","background":true})", kKeyA, extra);
    EXPECT_EQ(r.status, 202u) << r.body;
    return parse_object(r.body);
  }

  json::object turn_status(const std::string& session, const std::string& turn) {
    auto r = call("GET", "/gateway/v1/sessions/" + session + "/turns/" + turn);
    EXPECT_EQ(r.status, 200u) << r.body;
    return parse_object(r.body);
  }

  bool ended(const std::string& session, const std::string& turn) {
    auto s = turn_status(session, turn)["status"];
    return s != "queued" && s != "running";
  }

  std::int64_t count(const std::string& id) {
    auto r = call("GET", "/gateway/v1/sessions/" + id);
    return parse_object(r.body)["message_count"].to_number<std::int64_t>();
  }

  // Reads `path` (an events_url, or any turn stream) without credentials beyond the URL.
  // `leave_after`: the reader goes away once it has that many whole events.
  HttpResult read_events(const std::string& path, Headers headers = {},
                         std::size_t leave_after = 0) {
    std::string seen;
    return http_stream("GET", url(path), headers, {}, {}, [&](std::string_view chunk) {
      seen += chunk;
      return leave_after == 0 || parse_sse(seen).size() < leave_after;
    });
  }
};

TEST_F(TurnsTest, BackgroundTurnAnswers202AndCommitsWithNobodyListening) {
  auto id = create_id();
  auto accepted = background(id, "Hello in the background");
  const std::string turn(accepted["turn_id"].as_string());
  EXPECT_TRUE(turn.starts_with("turn_"));
  EXPECT_EQ(accepted["session_id"], json::value(id));
  EXPECT_TRUE(accepted["status"] == "queued" || accepted["status"] == "running");
  const std::string events(accepted["events_url"].as_string());
  EXPECT_TRUE(
      events.starts_with("/gateway/v1/sessions/" + id + "/turns/" + turn + "/events?token="))
      << events;
  ASSERT_TRUE(eventually([&] { return ended(id, turn); }));
  auto status = turn_status(id, turn);
  EXPECT_EQ(status["status"], "completed");
  EXPECT_EQ(status["error"], nullptr);
  EXPECT_EQ(status["message"].at("completion"), "You said: Hello in the background");
  EXPECT_EQ(count(id), 2);
  // Upstream streamed it: the events were there to log.
  ASSERT_EQ(fake().recorded().size(), 1u);
  EXPECT_EQ(parse_object(fake().recorded()[0].body)["stream"], true);
}

TEST_F(TurnsTest, EventsUrlNeedsNoHeadersAndCarriesStreamHygiene) {
  auto id = create_id();
  auto accepted = background(id, "hygiene");
  const std::string turn(accepted["turn_id"].as_string());
  auto r = read_events(std::string(accepted["events_url"].as_string()));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.header("content-type").value_or("").starts_with("text/event-stream"));
  EXPECT_EQ(r.header("cache-control"), "no-cache");
  EXPECT_EQ(r.header("x-accel-buffering"), "no");
  EXPECT_TRUE(r.body.starts_with("retry: 2000\n\n")) << r.body.substr(0, 40);
  auto events = parse_sse(r.body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().event, "message_start");
  EXPECT_EQ(events.back().event, "turn_committed");
  auto data = parse_object(events.back().data);
  EXPECT_EQ(data["turn_id"], json::value(turn));
  EXPECT_EQ(data["message_count"], 2);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].id, turn + "." + std::to_string(i + 1)) << i;
  }
}

TEST_F(TurnsTest, ResumingAfterAnyEventEqualsOneUninterruptedStream) {
  auto id = create_id();
  auto accepted = background(id, "Tell me [[words:30]]");
  const std::string turn(accepted["turn_id"].as_string());
  const std::string events_url(accepted["events_url"].as_string());
  ASSERT_TRUE(eventually([&] { return ended(id, turn); }));
  const auto whole = parse_sse(read_events(events_url).body);
  ASSERT_GT(whole.size(), 10u);
  for (std::size_t k :
       {std::size_t{1}, std::size_t{2}, std::size_t{5}, whole.size() / 2, whole.size() - 1}) {
    auto first = parse_sse(read_events(events_url, {}, k).body);
    ASSERT_GE(first.size(), k);
    first.resize(k);  // what the reader had whole when it left
    auto rest = parse_sse(read_events(events_url, {{"last-event-id", first.back().id}}).body);
    auto joined = first;
    joined.insert(joined.end(), rest.begin(), rest.end());
    EXPECT_EQ(joined, whole) << "left after " << k;
    for (std::size_t i = 1; i < joined.size(); ++i) {
      ASSERT_LT(seq_of(joined[i - 1].id), seq_of(joined[i].id)) << "k=" << k << " i=" << i;
    }
    // ?after= is the same resume point, for a page that opens a new EventSource.
    auto by_query = parse_sse(read_events(events_url + "&after=" + first.back().id).body);
    EXPECT_EQ(by_query, rest) << "after=" << first.back().id;
  }
  // Resuming after the last event: the reader has it all; 204 stops EventSource.
  auto done = read_events(events_url, {{"last-event-id", whole.back().id}});
  EXPECT_EQ(done.status, 204u);
  expect_error(read_events(events_url, {{"last-event-id", "turn_other.3"}}), 400,
               "invalid_request_error", "Last-Event-ID");
}

TEST_F(TurnsTest, ReadersOfARunningTurnResumeAndTwoReadersGetTheSameEvents) {
  // Upstream sends 4 events and holds the stream: the turn runs while readers come and go.
  hold_upstream(4);
  auto id = create_id();
  auto accepted = background(id, "Tell me [[words:20]]");
  const std::string turn(accepted["turn_id"].as_string());
  const std::string events_url(accepted["events_url"].as_string());
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  // A reader leaves after 2 events while the turn still runs.
  auto first = parse_sse(read_events(events_url, {}, 2).body);
  ASSERT_GE(first.size(), 2u);
  first.resize(2);
  EXPECT_EQ(turn_status(id, turn)["status"], "running");
  // Two readers attach while it runs: one resuming, one from the start.
  auto resumed = std::async(std::launch::async, [&] {
    return read_events(events_url, {{"last-event-id", first.back().id}});
  });
  auto fresh = std::async(std::launch::async, [&] { return read_events(events_url); });
  ASSERT_TRUE(eventually([&] {
    return http_request("GET", url("/metrics")).body.find("gateway_active_streams 2") !=
           std::string::npos;
  }));
  fake().release();
  auto whole = parse_sse(fresh.get().body);
  auto rest = parse_sse(resumed.get().body);
  ASSERT_GT(whole.size(), 6u);
  EXPECT_EQ(whole.back().event, "turn_committed");
  first.insert(first.end(), rest.begin(), rest.end());
  EXPECT_EQ(first, whole);
  EXPECT_EQ(parse_sse(read_events(events_url).body), whole) << "a third reader after the end";
  EXPECT_EQ(count(id), 2);
  EXPECT_EQ(fake().recorded().size(), 1u);
}

TEST_F(TurnsTest, AfterTheLogExpiresTheCommittedMessageIsToldAsAShortSequence) {
  start([](Config& c) { c.streaming.replay_ttl = std::chrono::milliseconds(1); });
  auto id = create_id();
  auto accepted = background(id, "Tell me [[words:12]]");
  const std::string turn(accepted["turn_id"].as_string());
  const std::string events_url(accepted["events_url"].as_string());
  ASSERT_TRUE(eventually([&] { return ended(id, turn); }));
  const std::string completion(turn_status(id, turn)["message"].at("completion").as_string());
  // The log is dropped at the registry's next look after replay_ttl.
  std::vector<Sse> events;
  ASSERT_TRUE(eventually([&] {
    events = parse_sse(read_events(events_url).body);
    return events.size() == 7;
  })) << events.size();
  const std::vector<std::string> names = {
      "message_start", "content_block_start", "content_block_delta", "content_block_stop",
      "message_delta", "message_stop",        "turn_committed"};
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(events[i].event, names[i]) << i;
  EXPECT_EQ(parse_object(events[2].data)["delta"].at("text"), json::value(completion));
  EXPECT_EQ(parse_object(events[4].data)["delta"].at("stop_reason"), "end_turn");
  EXPECT_TRUE(events[5].id.empty());
  EXPECT_FALSE(events[6].id.empty()) << "the terminal event keeps its id";
  EXPECT_EQ(parse_object(events[6].data)["message_count"], 2);
  // Its id is the turn's last: a reconnect with it is told the turn is over.
  EXPECT_EQ(read_events(events_url, {{"last-event-id", events[6].id}}).status, 204u);
}

TEST_F(TurnsTest, CancelStopsUpstreamCommitsNothingAndEndsTheStream) {
  hold_upstream(2);
  auto id = create_id();
  auto accepted = background(id, "Tell me [[words:40]]");
  const std::string turn(accepted["turn_id"].as_string());
  const std::string events_url(accepted["events_url"].as_string());
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  auto reader = std::async(std::launch::async, [&] { return read_events(events_url); });
  auto r = call("POST", "/gateway/v1/sessions/" + id + "/turns/" + turn + "/cancel");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto shape = parse_object(r.body);
  EXPECT_EQ(shape["status"], "cancelled");
  EXPECT_EQ(shape["message"], nullptr);
  EXPECT_TRUE(eventually([&] { return fake().stats().client_disconnects == 1; }))
      << "upstream never saw the call aborted";
  auto events = parse_sse(reader.get().body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().event, "turn_cancelled");
  EXPECT_EQ(events.back().id, turn + "." + std::to_string(events.size()));
  EXPECT_EQ(count(id), 0);
  // Again: nothing changes, the same final shape.
  r = call("POST", "/gateway/v1/sessions/" + id + "/turns/" + turn + "/cancel");
  EXPECT_EQ(parse_object(r.body)["status"], "cancelled");
  // The session is free for the next turn.
  EXPECT_EQ(call("POST", turns_path(id), R"({"content":"next"})").status, 200u);
  EXPECT_EQ(count(id), 2);
}

TEST_F(TurnsTest, CancellingAFinishedTurnChangesNothing) {
  auto id = create_id();
  auto accepted = background(id, "done soon");
  const std::string turn(accepted["turn_id"].as_string());
  ASSERT_TRUE(eventually([&] { return ended(id, turn); }));
  auto r = call("POST", "/gateway/v1/sessions/" + id + "/turns/" + turn + "/cancel");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(parse_object(r.body)["status"], "completed");
  EXPECT_EQ(count(id), 2);
}

TEST_F(TurnsTest, AReaderLeavingIsNotACancel) {
  hold_upstream(2);
  auto id = create_id();
  auto accepted = background(id, "keep going");
  const std::string turn(accepted["turn_id"].as_string());
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  read_events(std::string(accepted["events_url"].as_string()), {}, 1);
  fake().release();
  ASSERT_TRUE(eventually([&] { return ended(id, turn); }));
  EXPECT_EQ(turn_status(id, turn)["status"], "completed");
  EXPECT_EQ(count(id), 2);
}

TEST_F(TurnsTest, TokensRefuseTamperingOtherTurnsAndOtherKeysAlike) {
  auto id = create_id();
  auto one = background(id, "one");
  const std::string turn1(one["turn_id"].as_string());
  ASSERT_TRUE(eventually([&] { return ended(id, turn1); }));
  auto two = background(id, "two");
  const std::string turn2(two["turn_id"].as_string());
  ASSERT_TRUE(eventually([&] { return ended(id, turn2); }));
  const std::string url1(one["events_url"].as_string());
  const std::string url2(two["events_url"].as_string());
  ASSERT_EQ(read_events(url1).status, 200u);
  const std::string token1 = url1.substr(url1.find("token=") + 6);
  const std::string token2 = url2.substr(url2.find("token=") + 6);
  const std::string path1 = url1.substr(0, url1.find('?'));

  std::vector<std::string> refusals;
  auto refused = [&](const HttpResult& r, const char* what) {
    expect_error(r, 404, "not_found_error");
    refusals.push_back(parse_object(r.body)["error"].at("message").as_string().c_str());
    SCOPED_TRACE(what);
  };
  std::string tampered = token1;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  refused(read_events(path1 + "?token=" + tampered), "tampered");
  refused(read_events(path1 + "?token=" + token2), "another turn's token");
  refused(read_events(path1 + "?token=" + token1.substr(0, 10)), "truncated");
  refused(read_events(path1 + "?token="), "empty");
  // Another key: its own key on this path, and this key's token on another session path.
  refused(read_events(path1, {{"x-api-key", std::string(kKeyB)}}), "another key");
  for (const auto& m : refusals) EXPECT_EQ(m, refusals.front()) << "an oracle";
  // The owner's key works without a token.
  EXPECT_EQ(read_events(path1, {{"x-api-key", std::string(kKeyA)}}).status, 200u);
  // No credentials at all: 401 as for any route.
  EXPECT_EQ(read_events(path1).status, 401u);
}

TEST_F(TurnsTest, AnExpiredTokenIsRefusedLikeATamperedOne) {
  start([](Config& c) { c.streaming.token_ttl = std::chrono::milliseconds(1); });
  auto id = create_id();
  auto accepted = background(id, "short-lived");
  const std::string turn(accepted["turn_id"].as_string());
  ASSERT_TRUE(eventually([&] { return ended(id, turn); }));
  const std::string events_url(accepted["events_url"].as_string());
  EXPECT_TRUE(eventually([&] { return read_events(events_url).status == 404; }));
  expect_error(read_events(events_url), 404, "not_found_error");
}

TEST_F(TurnsTest, ARepeatedBackgroundPostAttachesToTheFirstTurn) {
  hold_upstream(0);
  auto id = create_id();
  Headers key = {{"idempotency-key", "bg-1"}};
  auto first = background(id, "only once", key);
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  auto again = background(id, "only once", key);  // while it runs
  EXPECT_EQ(again["turn_id"], first["turn_id"]);
  fake().release();
  const std::string turn(first["turn_id"].as_string());
  ASSERT_TRUE(eventually([&] { return ended(id, turn); }));
  auto after = background(id, "only once", key);  // after it finished
  EXPECT_EQ(after["turn_id"], first["turn_id"]);
  EXPECT_EQ(fake().recorded().size(), 1u);
  EXPECT_EQ(count(id), 2);
  // The same key with another body is a different request: 422, nothing started.
  auto r =
      call("POST", turns_path(id), R"({"content":"something else","background":true})", kKeyA, key);
  expect_error(r, 422, "invalid_request_error", "Idempotency-Key");
  // Keys are per session and per key owner: the same key elsewhere is a new turn.
  auto other = create_id();
  auto elsewhere = background(other, "only once", key);
  EXPECT_NE(elsewhere["turn_id"], first["turn_id"]);
  std::string too_long(256, 'k');
  expect_error(
      call("POST", turns_path(id), R"({"content":"x"})", kKeyA, {{"idempotency-key", too_long}}),
      400, "invalid_request_error", "Idempotency-Key");
}

TEST_F(TurnsTest, ARepeatedJsonPostGetsTheSameAnswerAndNeverASecondTurn) {
  hold_upstream(0);
  auto id = create_id();
  Headers key = {{"idempotency-key", "json-1"}};
  auto first = std::async(std::launch::async, [&] {
    return call("POST", turns_path(id), R"({"content":"hello once"})", kKeyA, key);
  });
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  // While it runs the repeat waits on the same turn instead of a 409.
  auto second = std::async(std::launch::async, [&] {
    return call("POST", turns_path(id), R"({"content":"hello once"})", kKeyA, key);
  });
  // Both POSTs' connections are open (the third is this look).
  ASSERT_TRUE(eventually([&] {
    return http_request("GET", url("/metrics")).body.find("gateway_connections 3") !=
           std::string::npos;
  }));
  fake().release();
  auto a = first.get();
  auto b = second.get();
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(b.status, 200u) << b.body;
  EXPECT_EQ(a.body, b.body);
  auto c = call("POST", turns_path(id), R"({"content":"hello once"})", kKeyA, key);
  EXPECT_EQ(c.body, a.body) << "after it finished";
  EXPECT_EQ(fake().recorded().size(), 1u);
  EXPECT_EQ(count(id), 2);
}

TEST_F(TurnsTest, ARepeatOfAFailedTurnRepeatsItsError) {
  Fault bad;
  bad.kind = FaultKind::status;
  bad.status = 400;
  bad.message = "upstream did not like it";
  fake().faults().add(bad);
  auto id = create_id();
  Headers key = {{"idempotency-key", "fails-1"}};
  auto a = call("POST", turns_path(id), R"({"content":"doomed"})", kKeyA, key);
  EXPECT_EQ(a.status, 400u) << a.body;
  auto b = call("POST", turns_path(id), R"({"content":"doomed"})", kKeyA, key);
  EXPECT_EQ(b.status, a.status);
  EXPECT_EQ(b.body, a.body);
  EXPECT_EQ(fake().recorded().size(), 1u);
  EXPECT_EQ(count(id), 0);
  // A turn refused before it started (its session unknown) keeps no key: nothing ran.
  auto unknown = call("POST", turns_path("ses_nope"), R"({"content":"x"})", kKeyA, key);
  expect_error(unknown, 404, "not_found_error");
}

TEST_F(TurnsTest, AStreamedRepeatWithLastEventIdResumesTheFirstTurn) {
  // What a POST-capable EventSource does when its connection drops: the same POST again,
  // with Last-Event-ID. It must attach to the first turn, not run a second one.
  hold_upstream(3);
  auto id = create_id();
  Headers h = client_headers(kKeyA);
  h.push_back({"idempotency-key", "es-1"});
  const std::string body = R"({"content":"Tell me [[words:25]]","stream":true})";
  std::string seen;
  http_stream("POST", url(turns_path(id)), h, body, {}, [&](std::string_view c) {
    seen += c;
    return parse_sse(seen).size() < 2;
  });
  auto first = parse_sse(seen);
  ASSERT_GE(first.size(), 2u);
  first.resize(2);
  // The client left, but with a key it meant to come back: upstream is still held.
  EXPECT_EQ(fake().stats().client_disconnects, 0u);
  auto resumed = std::async(std::launch::async, [&] {
    Headers again = h;
    again.push_back({"last-event-id", first.back().id});
    return http_request("POST", url(turns_path(id)), again, body);
  });
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  fake().release();
  auto rest = parse_sse(resumed.get().body);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().event, "turn_committed");
  EXPECT_EQ(seq_of(rest.front().id), seq_of(first.back().id) + 1);
  EXPECT_EQ(fake().recorded().size(), 1u);
  EXPECT_EQ(count(id), 2);
}

TEST_F(TurnsTest, ATurnOverTheLogBoundKeepsLiveReadersWholeAndLateOnesGetTheMessage) {
  start([](Config& c) {
    c.streaming.replay_max_bytes_per_turn = 64 * 1024;
    c.streaming.replay_max_bytes = 64 * 1024;
  });
  hold_upstream(1);
  auto id = create_id();
  // About 6,000 events of one word each (max_tokens lets them through): well over 64 KiB.
  auto posted =
      call("POST", turns_path(id),
           R"({"content":"Tell me [[words:6000]]","max_tokens":20000,"background":true})");
  ASSERT_EQ(posted.status, 202u) << posted.body;
  auto accepted = parse_object(posted.body);
  const std::string turn(accepted["turn_id"].as_string());
  const std::string events_url(accepted["events_url"].as_string());
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  auto live = std::async(std::launch::async, [&] { return read_events(events_url); });
  ASSERT_TRUE(eventually([&] {
    return http_request("GET", url("/metrics")).body.find("gateway_active_streams 1") !=
           std::string::npos;
  }));
  fake().release();
  auto whole = parse_sse(live.get().body);
  ASSERT_FALSE(whole.empty());
  EXPECT_EQ(whole.back().event, "turn_committed");
  std::size_t bytes = 0;
  for (const auto& e : whole) bytes += e.data.size();
  EXPECT_GT(bytes, 64u * 1024) << "the turn did not exceed the bound";
  for (std::size_t i = 0; i < whole.size(); ++i) {
    ASSERT_EQ(seq_of(whole[i].id), i + 1) << "a live reader lost an event";
  }
  // A late reader from the start: the first events are gone, so it gets the message.
  auto late = parse_sse(read_events(events_url).body);
  ASSERT_EQ(late.size(), 7u);
  EXPECT_EQ(parse_object(late[2].data)["delta"].at("text"),
            turn_status(id, turn)["message"].at("completion"));
  EXPECT_EQ(late.back().id, whole.back().id);
}

// Shutdown with a background turn held mid-stream; the history is then read by a new
// gateway on the same SQLite store.
class TurnsShutdownTest : public TurnsTest {
 protected:
  void SetUp() override { start(durable()); }
  Tweak durable() {
    return [this](Config& c) {
      c.store.backend = "sqlite";
      c.store.data_dir = dir_.string();
    };
  }
  std::string held_background_turn() {
    hold_upstream(2);
    auto id = create_id();
    background(id, "finish me");
    EXPECT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
    return id;
  }
  TempDir dir_;
};

TEST_F(TurnsShutdownTest, BackgroundTurnsPastTheGraceAreCancelledAndCommitNothing) {
  auto id = held_background_turn();
  gateway().gateway().shutdown(std::chrono::milliseconds(1));
  EXPECT_TRUE(eventually([&] { return fake().stats().client_disconnects == 1; }));
  EXPECT_EQ(fake().stats().streams_completed, 0u);
  start(durable());
  EXPECT_EQ(count(id), 0);
}

TEST_F(TurnsShutdownTest, ABackgroundTurnFinishesWithinTheGrace) {
  auto id = held_background_turn();
  auto stopping = std::async(std::launch::async,
                             [&] { gateway().gateway().shutdown(std::chrono::seconds(30)); });
  // The drain has begun once the listener is gone; the turn still runs.
  ASSERT_TRUE(eventually([&] { return !!http_request("GET", url("/healthz")).error; }));
  EXPECT_EQ(fake().stats().holding, 1u);
  fake().release();
  stopping.get();
  EXPECT_EQ(fake().stats().streams_completed, 1u);
  EXPECT_EQ(fake().stats().client_disconnects, 0u);
  start(durable());
  EXPECT_EQ(count(id), 2);
}

}  // namespace
}  // namespace gw::test
