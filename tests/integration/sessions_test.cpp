// The sessions API in-process against the TLS fake: the seed guide's examples, atomic
// turns, ownership, bad input, streaming. "Changes nothing" is checked through the API
// (message_count and history) after every failure.

#include "support/eventually.hpp"
#include "support/expect_error.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <sstream>
#include <string>

namespace gw::test {
namespace {

namespace json = boost::json;
using fake::Fault;
using fake::FaultKind;

// A stored assistant message as upstream's content array holding one text block.
json::value text_content(const json::value& text) {
  return json::array{json::object{{"type", "text"}, {"text", text}}};
}

// Content as the client sent it, without the cache marks the gateway added on the way
// upstream: a string it turned into one marked text block is the string again.
json::value unmarked(json::value content) {
  if (!content.is_array()) return content;
  auto& blocks = content.as_array();
  for (auto& b : blocks) {
    if (b.is_object()) b.as_object().erase("cache_control");
  }
  if (blocks.size() == 1 && blocks[0].is_object() && blocks[0].as_object().size() == 2 &&
      blocks[0].at("type") == "text") {
    return blocks[0].at("text");
  }
  return content;
}

// The text blocks of a content array, joined.
std::string text_of(const json::value& content) {
  std::string out;
  for (const auto& block : content.as_array()) {
    if (block.at("type") == "text") out += block.at("text").as_string();
  }
  return out;
}

class SessionsTest : public GatewayFixture {
 protected:
  void SetUp() override { start(); }

  json::object create(std::string_view body = "{}", std::string_view key = kKeyA) {
    auto r = call("POST", "/gateway/v1/sessions", body, key);
    EXPECT_EQ(r.status, 201u) << r.body;
    return parse_object(r.body);
  }

  std::string create_id(std::string_view body = "{}") {
    return std::string(create(body)["id"].as_string());
  }

  json::object turn(const std::string& id, std::string_view body, unsigned expect = 200) {
    auto r = call("POST", "/gateway/v1/sessions/" + id + "/messages", body);
    EXPECT_EQ(r.status, expect) << r.body;
    return parse_object(r.body);
  }

  json::object get(const std::string& id) {
    auto r = call("GET", "/gateway/v1/sessions/" + id);
    EXPECT_EQ(r.status, 200u) << r.body;
    return parse_object(r.body);
  }

  std::int64_t count(const std::string& id) {
    return get(id)["message_count"].to_number<std::int64_t>();
  }

  // The messages array of the last request upstream received.
  json::array upstream_messages() {
    auto sent = fake().recorded();
    if (sent.empty()) return {};
    return json::parse(sent.back().body).as_object()["messages"].as_array();
  }
};

TEST_F(SessionsTest, CreateGetShapeAndDefaults) {
  auto s = create(R"({"system":"You are terse.","metadata":{"app":"helpdesk"}})");
  EXPECT_EQ(s["id"].as_string().subview().substr(0, 4), "ses_");
  EXPECT_EQ(s["model"], "claude-sonnet-4-5");  // sessions.default_model
  EXPECT_EQ(s["max_tokens"], 1024);
  EXPECT_EQ(s["system"], "You are terse.");
  EXPECT_EQ(s["metadata"].at("app"), "helpdesk");
  EXPECT_EQ(s["message_count"], 0);
  EXPECT_EQ(s["usage"].at("input_tokens"), 0);
  EXPECT_TRUE(s["created_at"].as_string().ends_with("Z"));
  auto g = get(std::string(s["id"].as_string()));
  EXPECT_EQ(g["id"], s["id"]);
  EXPECT_TRUE(g["messages"].as_array().empty());
}

TEST_F(SessionsTest, BasicAndMultiTurnConversation) {
  auto id = create_id();
  auto first = turn(id, R"({"content":"Hello, Claude"})");
  EXPECT_EQ(first["type"], "message");
  EXPECT_EQ(first["role"], "assistant");
  EXPECT_EQ(first["session_id"], json::value(id));
  EXPECT_EQ(first["completion"], "You said: Hello, Claude");
  EXPECT_EQ(first["text"], first["completion"]);
  EXPECT_EQ(first["stop_reason"], "end_turn");
  EXPECT_EQ(first["continuations"], 0);
  EXPECT_EQ(first["content"].as_array()[0].at("text"), first["completion"]);
  EXPECT_EQ(first["id"].as_string().subview().substr(0, 4), "msg_");
  EXPECT_EQ(first["turn_id"].as_string().subview().substr(0, 5), "turn_");

  auto second = turn(id, R"({"content":"Can you describe LLMs to me?"})");
  EXPECT_EQ(second["completion"], "You said: Can you describe LLMs to me?");
  // The second upstream request carries the first turn: the caller did not resend it.
  auto msgs = upstream_messages();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(unmarked(msgs[0].at("content")), "Hello, Claude");
  EXPECT_EQ(msgs[1].at("role"), "assistant");
  // Sent back as upstream's content array, exactly as the first turn's reply carried it.
  EXPECT_EQ(msgs[1].at("content"), first["content"]);
  EXPECT_EQ(msgs[1].at("content"), text_content("You said: Hello, Claude"));
  EXPECT_EQ(unmarked(msgs[2].at("content")), "Can you describe LLMs to me?");

  auto g = get(id);
  EXPECT_EQ(g["message_count"], 4);
  const auto& history = g["messages"].as_array();
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0].at("turn_id"), first["turn_id"]);
  EXPECT_EQ(history[3].at("content"), second["content"]);
  EXPECT_EQ(history[3].at("content"), text_content("You said: Can you describe LLMs to me?"));
  const auto usage_in = first["usage"].at("input_tokens").to_number<std::int64_t>() +
                        second["usage"].at("input_tokens").to_number<std::int64_t>();
  EXPECT_EQ(g["usage"].at("input_tokens").to_number<std::int64_t>(), usage_in);
}

TEST_F(SessionsTest, SyntheticAssistantMessagesArePinnedAgainstTrimming) {
  start([](Config& c) { c.sessions.max_context_messages = 2; });
  auto id = create_id(R"({"messages":[
    {"role":"user","content":"What's the capital of France?"},
    {"role":"assistant","content":"The capital of France is Paris."}]})");
  EXPECT_EQ(count(id), 2);
  turn(id, R"({"content":"first"})");
  turn(id, R"({"content":"second"})");
  turn(id, R"({"content":"third"})");
  // seed (2) + the latest whole turn (2) + this turn's user message.
  auto msgs = upstream_messages();
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(unmarked(msgs[1].at("content")), "The capital of France is Paris.");
  EXPECT_EQ(unmarked(msgs[2].at("content")), "second");
  EXPECT_EQ(unmarked(msgs[4].at("content")), "third");
  EXPECT_EQ(count(id), 8);  // storage keeps everything
  EXPECT_EQ(get(id)["pinned_count"], 2);
}

TEST_F(SessionsTest, MultipleChoicePrefill) {
  auto id = create_id(R"({"model":"claude-sonnet-4-5"})");
  auto r =
      turn(id, R"({"content":"What is latin for Ant? (A) Apoidea, (B) Rhopalocera, (C) Formicidae",
                        "prefill":"The answer is (","max_tokens":1})");
  EXPECT_EQ(r["stop_reason"], "max_tokens");
  const std::string completion(r["completion"].as_string());
  EXPECT_FALSE(completion.empty());
  EXPECT_EQ(r["text"], json::value("The answer is (" + completion));
  auto msgs = upstream_messages();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].at("role"), "assistant");
  EXPECT_EQ(msgs[1].at("content"), "The answer is (");
  EXPECT_EQ(json::parse(fake().recorded().back().body).at("max_tokens"), 1);
  auto history = get(id)["messages"].as_array();
  ASSERT_EQ(history.size(), 2u);
  // The prefill joins the reply's first text block.
  EXPECT_EQ(history[1].at("content"), text_content(r["text"]));
}

TEST_F(SessionsTest, PrefillOnAModelThatRejectsItIsALocal400) {
  auto id = create_id(R"({"model":"claude-opus-4-7"})");
  auto r = call("POST", "/gateway/v1/sessions/" + id + "/messages",
                R"({"content":"Pick one","prefill":"The answer is ("})");
  expect_error(r, 400, "invalid_request_error", "structured outputs");
  EXPECT_TRUE(fake().recorded().empty());
  EXPECT_EQ(count(id), 0);
  r = call("POST", "/gateway/v1/sessions/" + id + "/messages",
           R"({"content":"Pick one","prefill":"The answer is "})");
  expect_error(r, 400, "invalid_request_error", "white space");
}

TEST_F(SessionsTest, ContinuationWithPrefillCompletesAReplyCutByMaxTokens) {
  auto whole = turn(create_id(), R"({"content":"Tell me [[words:40]]","max_tokens":1000})");
  auto id = create_id();
  auto r =
      turn(id, R"({"content":"Tell me [[words:40]]","max_tokens":12,"continue_on_max_tokens":5})");
  EXPECT_GT(r["continuations"].to_number<int>(), 0);
  EXPECT_EQ(r["stop_reason"], "end_turn");
  EXPECT_EQ(r["completion"], whole["completion"]);
  EXPECT_EQ(r["usage"].at("output_tokens").to_number<int>(),
            whole["usage"].at("output_tokens").to_number<int>());
  // Each continuation went up as the partial reply in an assistant prefill.
  auto msgs = upstream_messages();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].at("role"), "assistant");
  auto history = get(id)["messages"].as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].at("content"), text_content(whole["completion"]));
}

TEST_F(SessionsTest, ContinuationWithoutPrefillAsksToContinue) {
  auto id = create_id(R"({"model":"claude-opus-4-7"})");
  auto r =
      turn(id, R"({"content":"Tell me [[words:30]]","max_tokens":10,"continue_on_max_tokens":1})");
  EXPECT_EQ(r["continuations"], 1);
  auto msgs = upstream_messages();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[1].at("role"), "assistant");
  EXPECT_EQ(unmarked(msgs[2].at("content")), "Please continue.");
  auto history = get(id)["messages"].as_array();
  ASSERT_EQ(history.size(), 4u);  // user, partial reply, "Please continue.", the rest
  EXPECT_EQ(history[2].at("content"), "Please continue.");
  EXPECT_EQ(history[3].at("turn_id"), r["turn_id"]);
  const std::string text(r["text"].as_string());
  EXPECT_EQ(text, text_of(history[1].at("content")) + text_of(history[3].at("content")));
}

TEST_F(SessionsTest, StreamedTurnRelaysEventsWithIdsAndCommits) {
  auto id = create_id();
  auto r =
      http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
                   R"({"content":"Tell me [[words:20]]","stream":true})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type").value_or(""), "text/event-stream; charset=utf-8");
  EXPECT_TRUE(r.complete);
  // Every event has an id <turn_id>.<n>, n counting up from 1; the last is turn_committed.
  std::vector<std::string> ids;
  std::vector<std::string> names;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("id: ")) ids.push_back(line.substr(4));
    if (line.starts_with("event: ")) names.push_back(line.substr(7));
  }
  ASSERT_FALSE(ids.empty());
  ASSERT_EQ(ids.size(), names.size());
  EXPECT_EQ(names.front(), "message_start");
  EXPECT_EQ(names.back(), "turn_committed");
  const std::string turn_id = ids.front().substr(0, ids.front().find('.'));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], turn_id + "." + std::to_string(i + 1));
  }
  auto data = r.body.substr(r.body.rfind("data: ") + 6);
  auto committed = parse_object(data.substr(0, data.find('\n')));
  EXPECT_EQ(committed["session_id"], json::value(id));
  EXPECT_EQ(committed["turn_id"], json::value(turn_id));
  EXPECT_EQ(committed["message_count"], 2);
  auto history = get(id)["messages"].as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_TRUE(text_of(history[1].at("content")).starts_with("You said: Tell me"));
  EXPECT_EQ(json::parse(fake().recorded().back().body).at("stream"), true);
}

TEST_F(SessionsTest, AcceptEventStreamAlsoStreams) {
  auto id = create_id();
  auto h = client_headers(kKeyA);
  h.push_back({"accept", "text/event-stream"});
  auto r = http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), h,
                        R"({"content":"hi"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type").value_or(""), "text/event-stream; charset=utf-8");
  EXPECT_TRUE(r.chunked);
  EXPECT_TRUE(r.complete);
  EXPECT_NE(r.body.find("event: message_start"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("event: turn_committed"), std::string::npos) << r.body;
  // Upstream was asked for a stream, and the turn is in the history.
  EXPECT_EQ(json::parse(fake().recorded().back().body).at("stream"), true);
  auto history = get(id)["messages"].as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].at("content"), "hi");
  EXPECT_EQ(history[1].at("content"), text_content("You said: hi"));
}

TEST_F(SessionsTest, HeartbeatsDuringSilence) {
  start([](Config& c) { c.streaming.heartbeat = std::chrono::milliseconds(40); });
  // Upstream sends its first event, then falls silent until the test releases it: a
  // heartbeat must reach the client during that silence, however long it takes to come.
  Fault silence;
  silence.kind = FaultKind::hold;
  silence.after_events = 1;
  fake().faults().add(silence);
  auto id = create_id();
  std::atomic<bool> heartbeat{false};
  auto streaming = std::async(std::launch::async, [&] {
    return http_stream("POST", url("/gateway/v1/sessions/" + id + "/messages"),
                       client_headers(kKeyA), R"({"content":"hi","stream":true})", {},
                       [&](std::string_view chunk) {
                         if (chunk.find(": keep-alive\n\n") != std::string_view::npos) {
                           heartbeat = true;
                         }
                         return true;
                       });
  });
  const bool silent = eventually([&] { return fake().stats().holding == 1; });
  const bool beat = silent && eventually([&] { return heartbeat.load(); });
  const auto upstream = fake().stats();
  fake().release();
  auto r = streaming.get();
  EXPECT_TRUE(silent) << "upstream never held its stream";
  EXPECT_TRUE(beat) << "no heartbeat while upstream was silent";
  EXPECT_EQ(upstream.streams_completed, 0u);  // still silent when the heartbeat came
  ASSERT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("event: turn_committed"), std::string::npos) << r.body;
  EXPECT_EQ(count(id), 2);
}

TEST_F(SessionsTest, UpstreamFailuresCommitNothing) {
  auto id = create_id();
  turn(id, R"({"content":"one"})");
  Fault f;
  f.kind = FaultKind::status;
  f.status = 400;
  f.message = "bad request from upstream";
  fake().faults().add(f);
  auto r = call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"two"})");
  expect_error(r, 400, "invalid_request_error", "bad request from upstream");
  EXPECT_EQ(count(id), 2);

  Fault drop;
  drop.kind = FaultKind::drop_mid_stream;
  drop.after_events = 3;
  fake().faults().add(drop);
  r = http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
                   R"({"content":"three","stream":true})");
  EXPECT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("event: error"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("turn_committed"), std::string::npos) << r.body;
  EXPECT_EQ(count(id), 2);

  Fault error_event;
  error_event.kind = FaultKind::stream_error;
  error_event.after_events = 2;
  fake().faults().add(error_event);
  r = http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
                   R"({"content":"four","stream":true})");
  EXPECT_NE(r.body.find("overloaded_error"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("turn_committed"), std::string::npos);
  EXPECT_EQ(count(id), 2);

  Fault garbage;
  garbage.kind = FaultKind::garbage;
  garbage.count = 3;  // the first attempt and both retries
  fake().faults().add(garbage);
  r = call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"five"})");
  expect_error(r, 502, "api_error");
  EXPECT_EQ(count(id), 2);
  // And the session still works.
  turn(id, R"({"content":"six"})");
  EXPECT_EQ(count(id), 4);
}

TEST_F(SessionsTest, ClientLeavingMidStreamCancelsUpstreamAndCommitsNothing) {
  // Upstream sends its first event and holds its stream open; the client leaves once it
  // has that event. Nothing more comes from upstream: only the gateway noticing its
  // client can end the upstream request.
  Fault f;
  f.kind = FaultKind::hold;
  f.after_events = 1;
  fake().faults().add(f);
  auto id = create_id();
  std::string first;
  http_stream("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
              R"({"content":"Tell me [[words:50]]","stream":true})", {}, [&](std::string_view c) {
                first = c;
                return false;
              });
  EXPECT_NE(first.find("event: message_start"), std::string::npos) << first;  // it had started
  EXPECT_EQ(fake().stats().streams_started, 1u);
  EXPECT_TRUE(eventually([&] { return fake().stats().client_disconnects == 1; }))
      << "upstream never saw the gateway leave";
  EXPECT_EQ(fake().stats().streams_completed, 0u);
  // The turn is over when its lock is free: a new turn then succeeds.
  EXPECT_TRUE(eventually([&] {
    auto r = call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"again"})");
    return r.status == 200;
  }));
  auto history = get(id)["messages"].as_array();
  ASSERT_EQ(history.size(), 2u);  // only the second turn
  EXPECT_EQ(history[0].at("content"), "again");
}

TEST_F(SessionsTest, ClientLeavingBeforeUpstreamAnswersIsNotRetried) {
  start([](Config& c) { c.upstream.response_timeout = std::chrono::hours(1); });
  Fault hold;
  hold.kind = FaultKind::hold;
  fake().faults().add(hold);
  auto id = create_id();
  RawClient client(gateway().port());
  client.post("/gateway/v1/sessions/" + id + "/messages", client_headers(kKeyA),
              R"({"content":"anyone there?"})");
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));  // upstream has it
  client.close();
  EXPECT_TRUE(eventually([&] { return fake().stats().client_disconnects == 1; }));
  // The turn ends (its lock frees) as a cancelled attempt, not a transport failure to retry.
  EXPECT_TRUE(eventually([&] {
    return http_request("GET", url("/metrics"))
               .body.find("gateway_upstream_attempts_total{outcome=\"cancelled\"} 1") !=
           std::string::npos;
  }));
  EXPECT_EQ(http_request("GET", url("/metrics")).body.find("outcome=\"transport_error\""),
            std::string::npos);
  EXPECT_EQ(fake().recorded().size(), 1u);
  EXPECT_EQ(count(id), 0);
}

TEST_F(SessionsTest, BackToBackTurnsNeverMeetTheirOwnLock) {
  // The next turn goes out the moment the answer is read, on a new connection: the lock
  // must already be free (CI once saw a 409 here).
  auto id = create_id();
  for (int i = 0; i < 40; ++i) {
    const std::string content = R"({"content":"turn )" + std::to_string(i) + "\"}";
    auto r = call("POST", "/gateway/v1/sessions/" + id + "/messages", content);
    ASSERT_EQ(r.status, 200u) << i << " " << r.body;
    r = http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
                     R"({"content":"streamed","stream":true})");
    ASSERT_NE(r.body.find("turn_committed"), std::string::npos) << i << " " << r.body;
  }
  auto r =
      call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"x","prefill":"y "})");
  EXPECT_EQ(r.status, 400u);
  r = call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"after an error"})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(count(id), 162);
}

TEST_F(SessionsTest, OneTurnAtATimePerSession) {
  Fault f;
  f.kind = FaultKind::hold;
  fake().faults().add(f);
  auto id = create_id();
  auto other = create_id();
  auto running = std::async(std::launch::async, [&] {
    return call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"slow one"})");
  });
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  auto r = call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"too early"})");
  expect_error(r, 409, "conflict_error");
  // Other sessions are not blocked by it: a turn elsewhere completes while it still runs.
  turn(other, R"({"content":"elsewhere"})");
  EXPECT_EQ(fake().stats().holding, 1u);
  EXPECT_EQ(running.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  fake().release();
  EXPECT_EQ(running.get().status, 200u);
  EXPECT_EQ(count(id), 2);
  EXPECT_EQ(count(other), 2);
}

TEST_F(SessionsTest, SessionsBelongToTheirKey) {
  auto mine = create_id(R"({"metadata":{"owner":"alpha"}})");
  create(R"({})", kKeyB);
  for (auto [method, path, body] :
       {std::tuple{"GET", "/gateway/v1/sessions/" + mine, ""},
        std::tuple{"PATCH", "/gateway/v1/sessions/" + mine, R"({"max_tokens":5})"},
        std::tuple{"DELETE", "/gateway/v1/sessions/" + mine, ""},
        std::tuple{"POST", "/gateway/v1/sessions/" + mine + "/messages", R"({"content":"hi"})"}}) {
    expect_error(call(method, path, body, kKeyB), 404, "not_found_error");
  }
  auto list = parse_object(call("GET", "/gateway/v1/sessions", {}, kKeyB).body);
  ASSERT_EQ(list["data"].as_array().size(), 1u);
  EXPECT_NE(list["data"].as_array()[0].at("id"), json::value(mine));
  expect_error(call("GET", "/gateway/v1/sessions/" + mine, {}, "wrong-key-0123456789"), 401,
               "authentication_error");
  EXPECT_EQ(get(mine)["max_tokens"], 1024);  // untouched by the other key
  EXPECT_TRUE(fake().recorded().empty());
}

TEST_F(SessionsTest, KeyModelListIsEnforced) {
  start([](Config& c) { c.auth.keys[1].models = {"claude-haiku-4-5"}; });
  expect_error(call("POST", "/gateway/v1/sessions", R"({"model":"claude-sonnet-4-5"})", kKeyB), 403,
               "permission_error");
  auto r = call("POST", "/gateway/v1/sessions", R"({"model":"claude-haiku-4-5"})", kKeyB);
  ASSERT_EQ(r.status, 201u);
  auto id = std::string(parse_object(r.body)["id"].as_string());
  expect_error(call("PATCH", "/gateway/v1/sessions/" + id, R"({"model":"claude-opus-4-7"})", kKeyB),
               403, "permission_error");
}

TEST_F(SessionsTest, BadInputIsA400AndChangesNothing) {
  auto id = create_id();
  turn(id, R"({"content":"keep me"})");
  const auto before = get(id);
  const std::string path = "/gateway/v1/sessions/" + id + "/messages";
  expect_error(call("POST", path, "{not json"), 400, "invalid_request_error", "not valid JSON");
  expect_error(call("POST", path, R"({"content":5})"), 400, "invalid_request_error", "content");
  expect_error(call("POST", path, R"({"content":""})"), 400, "invalid_request_error", "content");
  expect_error(call("POST", path, R"({"content":"x","max_tokens":"lots"})"), 400,
               "invalid_request_error", "max_tokens");
  expect_error(call("POST", path, std::string("{\"content\":\"\xff\xfe\"}")), 400,
               "invalid_request_error");
  expect_error(call("POST", path, R"({"content":"x","background":"yes"})"), 400,
               "invalid_request_error", "background");
  expect_error(call("POST", "/gateway/v1/sessions/ses_unknown/messages", R"({"content":"x"})"), 404,
               "not_found_error");
  expect_error(call("PATCH", "/gateway/v1/sessions/" + id, R"({"max_tokens":-1})"), 400,
               "invalid_request_error");
  expect_error(call("POST", "/gateway/v1/sessions", R"({"messages":"hi"})"), 400,
               "invalid_request_error");
  EXPECT_EQ(json::serialize(get(id)), json::serialize(before));
  EXPECT_EQ(fake().recorded().size(), 1u);
}

TEST_F(SessionsTest, HugeContentIs413AndChangesNothing) {
  start([](Config& c) { c.limits.max_body_bytes = 64 * 1024; });
  auto id = create_id();
  std::string body = R"({"content":")" + std::string(100 * 1024, 'a') + "\"}";
  expect_error(call("POST", "/gateway/v1/sessions/" + id + "/messages", body), 413,
               "request_too_large");
  EXPECT_EQ(count(id), 0);
  EXPECT_TRUE(fake().recorded().empty());
}

TEST_F(SessionsTest, PatchListDelete) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(create_id());
  auto page = parse_object(call("GET", "/gateway/v1/sessions?limit=2").body);
  ASSERT_EQ(page["data"].as_array().size(), 2u);
  EXPECT_EQ(page["data"].as_array()[0].at("id"), json::value(ids[4]));  // newest first
  EXPECT_EQ(page["has_more"], true);
  auto next = parse_object(
      call("GET", "/gateway/v1/sessions?limit=2&after=" + std::string(page["last_id"].as_string()))
          .body);
  EXPECT_EQ(next["data"].as_array()[0].at("id"), json::value(ids[2]));
  expect_error(call("GET", "/gateway/v1/sessions?limit=0"), 400, "invalid_request_error");

  auto r = call(
      "PATCH", "/gateway/v1/sessions/" + ids[0],
      R"({"system":"Be brief.","max_tokens":64,"model":"claude-haiku-4-5","metadata":{"v":2}})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto patched = parse_object(r.body);
  EXPECT_EQ(patched["system"], "Be brief.");
  EXPECT_EQ(patched["model"], "claude-haiku-4-5");
  turn(ids[0], R"({"content":"hi"})");
  auto sent = json::parse(fake().recorded().back().body).as_object();
  EXPECT_EQ(unmarked(sent["system"]), "Be brief.");
  EXPECT_EQ(sent["max_tokens"], 64);
  EXPECT_EQ(sent["model"], "claude-haiku-4-5");

  r = call("DELETE", "/gateway/v1/sessions/" + ids[0]);
  EXPECT_EQ(r.status, 204u);
  expect_error(call("GET", "/gateway/v1/sessions/" + ids[0]), 404, "not_found_error");
  expect_error(call("DELETE", "/gateway/v1/sessions/" + ids[0]), 404, "not_found_error");
}

TEST_F(SessionsTest, SqliteStoreSurvivesARestart) {
  TempDir dir("gw-sessions-");
  auto sqlite = [&](Config& c) {
    c.store.backend = "sqlite";
    c.store.data_dir = dir.string();
  };
  start(sqlite);
  auto id = create_id(
      R"({"messages":[{"role":"user","content":"seed"},{"role":"assistant","content":"ok"}]})");
  turn(id, R"({"content":"remember this"})");
  start(sqlite);
  auto g = get(id);
  EXPECT_EQ(g["message_count"], 4);
  EXPECT_EQ(g["messages"].as_array()[2].at("content"), "remember this");
  turn(id, R"({"content":"and more"})");
  auto msgs = upstream_messages();
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(unmarked(msgs[2].at("content")), "remember this");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "gateway.db"));
  stop_gateway();  // before the directory goes
}

TEST_F(SessionsTest, StreamedContinuationRelaysEveryPartAndCommitsTheWhole) {
  auto whole = turn(create_id(), R"({"content":"Tell me [[words:40]]","max_tokens":1000})");
  auto id = create_id();
  auto r =
      http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
                   R"({"content":"Tell me [[words:40]]","max_tokens":15,
                            "continue_on_max_tokens":5,"stream":true})");
  ASSERT_EQ(r.status, 200u);
  std::size_t starts = 0;
  for (std::size_t p = 0; (p = r.body.find("event: message_start", p)) != std::string::npos; ++p) {
    ++starts;
  }
  EXPECT_GT(starts, 1u);  // one message per upstream call
  auto data = r.body.substr(r.body.rfind("data: ") + 6);
  auto committed = parse_object(data.substr(0, data.find('\n')));
  EXPECT_EQ(committed["completion"], whole["completion"]);
  EXPECT_EQ(committed["continuations"], json::value(starts - 1));
  auto history = get(id)["messages"].as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].at("content"), text_content(whole["completion"]));
}

TEST_F(SessionsTest, UpstreamTimeoutCommitsNothing) {
  start([](Config& c) {
    c.upstream.response_timeout = std::chrono::milliseconds(200);
    c.retry.initial_backoff = std::chrono::milliseconds(10);
  });
  Fault hang;
  hang.kind = FaultKind::hang;
  hang.count = 3;  // the first attempt and both retries
  fake().faults().add(hang);
  auto id = create_id();
  expect_error(call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"hello?"})"),
               504, "timeout_error");
  EXPECT_EQ(count(id), 0);
}

TEST_F(SessionsTest, UpstreamStallingMidStreamIsAnErrorEventAndCommitsNothing) {
  start([](Config& c) {
    c.upstream.stream_idle_timeout = std::chrono::milliseconds(300);
    c.streaming.heartbeat = std::chrono::hours(1);  // the silence stays silent
  });
  // Two events, then upstream goes quiet with its stream open, and stays so.
  Fault stall;
  stall.kind = FaultKind::hold;
  stall.after_events = 2;
  fake().faults().add(stall);
  auto id = create_id();
  auto r =
      http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
                   R"({"content":"Tell me [[words:30]]","stream":true})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.complete);  // ended by the gateway, in-band
  EXPECT_NE(r.body.find("event: message_start"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("event: error"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("turn_committed"), std::string::npos) << r.body;
  // The gateway gave up on upstream's stream (the fake sees it leave) and kept nothing.
  EXPECT_TRUE(eventually([&] { return fake().stats().client_disconnects == 1; }));
  EXPECT_EQ(fake().stats().streams_completed, 0u);
  EXPECT_EQ(fake().stats().messages, 1u);  // too late to retry: events were relayed
  EXPECT_EQ(count(id), 0);
}

TEST_F(SessionsTest, ShutdownMidTurnCommitsNothing) {
  TempDir dir("gw-sessions-");
  auto tweak = [&](Config& c) {
    c.store.backend = "sqlite";
    c.store.data_dir = dir.string();
    c.shutdown.grace = std::chrono::milliseconds(100);
  };
  start(tweak);
  auto id = create_id();
  // Upstream sends two events and then holds its stream, never released: the turn is
  // still running when the grace ends, whatever the machine's speed.
  Fault held;
  held.kind = FaultKind::hold;
  held.after_events = 2;
  fake().faults().add(held);
  auto streaming = std::async(std::launch::async, [&] {
    return http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"),
                        client_headers(kKeyA),
                        R"({"content":"Tell me [[words:60]]","stream":true})");
  });
  const bool mid_turn = eventually([&] { return fake().stats().holding == 1; });
  stop_gateway();  // SIGTERM's path: the grace passes, then the running turn is cut
  auto r = streaming.get();
  ASSERT_TRUE(mid_turn) << "upstream never held the turn's stream";
  EXPECT_NE(r.body.find("event: message_start"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("turn_committed"), std::string::npos) << r.body;
  start(tweak);
  EXPECT_EQ(count(id), 0);
  stop_gateway();  // before the directory goes
}

TEST_F(SessionsTest, TurnsGoThroughTheRetryPolicyAndCommitOnce) {
  start([](Config& c) { c.retry.initial_backoff = std::chrono::milliseconds(10); });
  auto id = create_id();
  Fault overloaded;
  overloaded.kind = FaultKind::status;
  overloaded.status = 529;
  fake().faults().add(overloaded);
  turn(id, R"({"content":"after one 529"})");
  EXPECT_EQ(fake().recorded().size(), 2u);
  EXPECT_EQ(count(id), 2);

  Fault drop;
  drop.kind = FaultKind::drop_before_response;
  fake().faults().add(drop);
  auto r =
      http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
                   R"({"content":"streamed after a drop","stream":true})");
  EXPECT_NE(r.body.find("event: turn_committed"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("event: error"), std::string::npos) << r.body;
  EXPECT_EQ(count(id), 4);

  // Retries spent: upstream's last answer, as it sent it (API.md section 1).
  overloaded.count = 3;  // every attempt
  fake().faults().add(overloaded);
  const auto before = fake().recorded().size();
  r = call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"never"})");
  expect_error(r, 529, "overloaded_error");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "false");
  EXPECT_EQ(fake().recorded().size(), before + 3);  // 1 + max_retries
  EXPECT_EQ(count(id), 4);

  fake().faults().add(overloaded);
  r = http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
                   R"({"content":"never, streamed","stream":true})");
  EXPECT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("event: error\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("type":"overloaded_error")"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("turn_committed"), std::string::npos) << r.body;
  EXPECT_EQ(count(id), 4);
}

TEST_F(SessionsTest, FullQueueIs429ForTurnsAndCommitsNothing) {
  start([](Config& c) {
    c.queue.max_concurrency = 1;
    c.queue.max_depth = 0;
  });
  Fault hold;
  hold.kind = FaultKind::hold;
  fake().faults().add(hold);
  auto busy = create_id();
  auto other = create_id();
  auto running = std::async(std::launch::async, [&] {
    return call("POST", "/gateway/v1/sessions/" + busy + "/messages", R"({"content":"slow"})");
  });
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  auto r = call("POST", "/gateway/v1/sessions/" + other + "/messages", R"({"content":"no room"})");
  expect_error(r, 429, "rate_limit_error");
  EXPECT_TRUE(r.header("retry-after").has_value());
  fake().release();
  EXPECT_EQ(running.get().status, 200u);
  EXPECT_EQ(count(other), 0);
  EXPECT_EQ(fake().recorded().size(), 1u);
  auto metrics = http_request("GET", url("/metrics"));
  EXPECT_NE(metrics.body.find("gateway_store_duration_seconds_count{op=\"commit\"} 1"),
            std::string::npos)
      << metrics.body;
}

TEST_F(SessionsTest, IdleSessionsArePurged) {
  start([](Config& c) {
    c.sessions.ttl = std::chrono::milliseconds(1);
    c.sessions.purge_interval = std::chrono::milliseconds(20);
  });
  auto id = create_id();
  EXPECT_TRUE(eventually([&] { return call("GET", "/gateway/v1/sessions/" + id).status == 404; }));
}

// --- tools ------------------------------------------------------------------------------

constexpr std::string_view kWeatherTools =
    R"j({"tools":[{"name":"get_weather","description":"The weather in a city.","input_schema":{"type":"object","properties":{"location":{"type":"string"}}}}]})j";

// The last request upstream received.
json::object last_upstream_request(fake::FakeServer& fake) {
  return json::parse(fake.recorded().back().body).as_object();
}

// An agent loop on a session, as the fake answers it: question -> tool_use -> tool_result
// -> answer, the gateway keeping the history; streamed (the stored reply rebuilt from its
// events) or not. The fake enforces upstream's tool pairing, so turn 2 going through proves
// the stored tool_use block went back exactly.
class SessionToolsTest : public SessionsTest {
 protected:
  void tool_loop(bool stream);
};

void SessionToolsTest::tool_loop(bool stream) {
  auto id = create_id(kWeatherTools);
  const std::string streamed = stream ? R"(,"stream":true)" : "";
  auto r =
      call("POST", "/gateway/v1/sessions/" + id + "/messages",
           R"j({"content":"Weather in Paris? [[tool:get_weather {\"location\": \"Paris\"}]]")j" +
               streamed + "}");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(last_upstream_request(fake()).at("tools").at(0).at("name"), "get_weather");
  auto history = get(id)["messages"].as_array();
  ASSERT_EQ(history.size(), 2u);
  const auto& reply = history[1].at("content").as_array();
  ASSERT_EQ(reply.size(), 2u) << history[1];
  EXPECT_EQ(reply[1].at("type"), "tool_use");
  EXPECT_EQ(reply[1].at("input"), (json::object{{"location", "Paris"}}));
  const std::string call_id(reply[1].at("id").as_string());
  if (!stream) {
    EXPECT_EQ(parse_object(r.body).at("stop_reason"), "tool_use");
  }

  auto answer = turn(id, R"({"content":[{"type":"tool_result","tool_use_id":")" + call_id +
                             R"(","content":"15 C, sunny"}]})");
  EXPECT_EQ(answer["stop_reason"], "end_turn");
  EXPECT_EQ(answer["completion"], "You said: 15 C, sunny");
  auto sent = upstream_messages();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].at("content"), history[1].at("content"));  // sent back exactly
  EXPECT_EQ(sent[2].at("content").at(0).at("tool_use_id"), json::value(call_id));
  EXPECT_EQ(count(id), 4);
}

TEST_F(SessionToolsTest, ToolLoopRunsOnASession) {
  tool_loop(false);
}

TEST_F(SessionToolsTest, StreamedToolLoopRunsOnASession) {
  tool_loop(true);
}

// Rule 8 is checked before anything goes upstream, and nothing is stored.
TEST_F(SessionToolsTest, UnansweredOrUnknownToolCallsAreRefusedLocally) {
  auto id = create_id(kWeatherTools);
  auto first = turn(id, R"({"content":"Go [[tool:get_weather]]"})");
  const std::string call_id(first["content"].at(1).at("id").as_string());
  const std::size_t sent = fake().recorded().size();

  auto r = call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":"never mind"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("does not answer: " + call_id), std::string::npos) << r.body;
  r = call("POST", "/gateway/v1/sessions/" + id + "/messages",
           R"({"content":[{"type":"tool_result","tool_use_id":")" + call_id +
               R"("},{"type":"tool_result","tool_use_id":"toolu_made_up"}]})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("content.1.tool_use_id: toolu_made_up answers no tool_use block"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(fake().recorded().size(), sent);
  EXPECT_EQ(count(id), 2);
}

// A turn's own tools replace the session's; a PATCH changes the session's.
TEST_F(SessionToolsTest, ToolsPerTurnAndByPatch) {
  auto id = create_id();
  turn(id, R"({"content":"hi"})");
  EXPECT_FALSE(last_upstream_request(fake()).contains("tools"));
  auto with = turn(id, std::string(R"({"content":"now [[tool:get_weather]]",)") +
                           std::string(kWeatherTools).substr(1));
  EXPECT_EQ(with["stop_reason"], "tool_use");
  EXPECT_TRUE(last_upstream_request(fake()).contains("tools"));

  auto patched = call("PATCH", "/gateway/v1/sessions/" + id,
                      R"({"tools":[{"name":"get_time"}],"tool_choice":{"type":"any"}})");
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(parse_object(patched.body).at("tool_choice"), (json::object{{"type", "any"}}));
  const std::string call_id(with["content"].at(1).at("id").as_string());
  auto forced = turn(id, R"({"content":[{"type":"tool_result","tool_use_id":")" + call_id +
                             R"(","content":"ok"}]})");
  EXPECT_EQ(forced["content"].at(1).at("name"), "get_time");  // tool_choice any forced it
  auto cleared = call("PATCH", "/gateway/v1/sessions/" + id, R"({"tools":null})");
  EXPECT_EQ(parse_object(cleared.body).at("tools"), nullptr);
}

// Thinking on a session: each reply starts with a signed thinking block, stored and sent
// back exactly; the fake, like upstream, refuses a block whose signature does not match,
// so the tool loop's second turn going through proves it went back unchanged.
TEST_F(SessionToolsTest, ThinkingBlocksGoBackSignedThroughAToolLoop) {
  auto id = create_id(std::string(kWeatherTools).substr(0, kWeatherTools.size() - 1) +
                      R"(,"max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":1024}})");
  auto first =
      http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
                   R"({"content":"Weather? [[tool:get_weather]]","stream":true})");
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(last_upstream_request(fake()).at("thinking").at("type"), "enabled");
  auto history = get(id)["messages"].as_array();
  ASSERT_EQ(history.size(), 2u);
  const auto& reply = history[1].at("content").as_array();
  ASSERT_EQ(reply.size(), 3u) << history[1];
  EXPECT_EQ(reply[0].at("type"), "thinking");
  EXPECT_FALSE(reply[0].at("signature").as_string().empty());
  const std::string call_id(reply[2].at("id").as_string());

  auto answer = turn(id, R"({"content":[{"type":"tool_result","tool_use_id":")" + call_id +
                             R"(","content":"15 C"}]})");
  EXPECT_EQ(answer["content"].at(0).at("type"), "thinking");
  EXPECT_EQ(upstream_messages()[1].at("content"), history[1].at("content"));
  EXPECT_EQ(count(id), 4);

  // Refused locally, as upstream would: a prefill with thinking on, a budget not below
  // max_tokens.
  const std::size_t sent = fake().recorded().size();
  auto prefill = call("POST", "/gateway/v1/sessions/" + id + "/messages",
                      R"({"content":"and?","prefill":"Well"})");
  EXPECT_EQ(prefill.status, 400u);
  EXPECT_NE(prefill.body.find("prefill cannot be used with thinking"), std::string::npos);
  auto budget = call("POST", "/gateway/v1/sessions/" + id + "/messages",
                     R"({"content":"and?","max_tokens":1024})");
  EXPECT_EQ(budget.status, 400u);
  EXPECT_NE(budget.body.find("thinking.budget_tokens: must be less than max_tokens (1024)"),
            std::string::npos)
      << budget.body;
  EXPECT_EQ(fake().recorded().size(), sent);
  // Off for one turn: no thinking block.
  auto off = turn(id, R"({"content":"and?","thinking":{"type":"disabled"}})");
  EXPECT_EQ(off["content"].at(0).at("type"), "text");
}

// Redacted thinking (reasoning upstream's safety systems encrypted) is kept and sent back
// as it came, streamed or not: the fake checks its data as it checks signatures, so the
// tool loop's second turn going through proves it went back unchanged.
TEST_F(SessionToolsTest, RedactedThinkingGoesBackAsItCameThroughAToolLoop) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "streamed" : "json");
    auto id = create_id(std::string(kWeatherTools).substr(0, kWeatherTools.size() - 1) +
                        R"(,"max_tokens":4096,"thinking":{"type":"adaptive"}})");
    auto first = http_request(
        "POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
        std::string(R"({"content":"Weather? [[redacted_thinking]] [[tool:get_weather]]",)") +
            R"("stream":)" + (stream ? "true" : "false") + "}");
    ASSERT_EQ(first.status, 200u) << first.body;
    auto history = get(id)["messages"].as_array();
    ASSERT_EQ(history.size(), 2u);
    const auto& reply = history[1].at("content").as_array();
    ASSERT_EQ(reply.size(), 3u) << history[1];
    EXPECT_EQ(reply[0].at("type"), "redacted_thinking");
    EXPECT_FALSE(reply[0].at("data").as_string().empty());
    const std::string call_id(reply[2].at("id").as_string());
    auto answer = turn(id, R"({"content":[{"type":"tool_result","tool_use_id":")" + call_id +
                               R"(","content":"15 C"}]})");
    EXPECT_EQ(answer["stop_reason"], "end_turn");
    EXPECT_EQ(upstream_messages()[1].at("content"), history[1].at("content"));
    EXPECT_EQ(count(id), 4);
  }
}

// A document with citations enabled: the reply's cited text block is stored with its
// citations, rebuilt from citations_delta events when streamed, the same in both forms.
TEST_F(SessionToolsTest, CitationsOnADocumentAreStoredWithTheReply) {
  const std::string content =
      R"([{"type":"document","title":"Facts","citations":{"enabled":true},)"
      R"("source":{"type":"text","media_type":"text/plain","data":"The grass is green. The sky is blue."}},)"
      R"({"type":"text","text":"What color is the grass?"}])";
  std::vector<json::value> stored;
  for (const bool stream : {false, true}) {
    auto id = create_id();
    auto r = http_request(
        "POST", url("/gateway/v1/sessions/" + id + "/messages"), client_headers(kKeyA),
        R"({"content":)" + content + R"(,"stream":)" + (stream ? "true" : "false") + "}");
    ASSERT_EQ(r.status, 200u) << r.body;
    auto history = get(id)["messages"].as_array();
    ASSERT_EQ(history.size(), 2u);
    stored.push_back(history[1].at("content"));
  }
  EXPECT_EQ(stored[0], stored[1]);
  const json::value* cited = nullptr;
  for (const auto& block : stored[0].as_array()) {
    if (block.as_object().contains("citations")) cited = &block;
  }
  ASSERT_TRUE(cited) << stored[0];
  const auto& citation = cited->at("citations").at(0);
  EXPECT_EQ(citation.at("type"), "char_location");
  EXPECT_EQ(citation.at("cited_text"), "The grass is green.");
  EXPECT_EQ(citation.at("document_title"), "Facts");
  EXPECT_EQ(citation.at("start_char_index"), 0);
  EXPECT_EQ(citation.at("end_char_index"), 19);
}

// count_tokens counts exactly the request the next turn would send: the next turn's
// usage says the same number, and counting stores nothing.
TEST_F(SessionToolsTest, CountTokensIsTheNextTurnsInput) {
  auto id = create_id(std::string(kWeatherTools).substr(0, kWeatherTools.size() - 1) +
                      R"(,"system":"You are terse."})");
  turn(id, R"({"content":"first question"})");
  const std::string next = R"({"content":"second question, a little longer","max_tokens":77})";
  auto counted = call("POST", "/gateway/v1/sessions/" + id + "/count_tokens", next);
  ASSERT_EQ(counted.status, 200u) << counted.body;
  const json::object request = last_upstream_request(fake());
  EXPECT_FALSE(request.contains("max_tokens"));
  EXPECT_TRUE(request.contains("tools"));
  EXPECT_EQ(request.at("messages").as_array().size(), 3u);
  EXPECT_EQ(count(id), 2);
  auto answered = turn(id, next);
  EXPECT_EQ(parse_object(counted.body).at("input_tokens"), answered["usage"].at("input_tokens"));

  EXPECT_EQ(call("POST", "/gateway/v1/sessions/ses_unknown/count_tokens", next).status, 404u);
  EXPECT_EQ(call("POST", "/gateway/v1/sessions/" + id + "/count_tokens", "{}").status, 400u);
}

}  // namespace
}  // namespace gw::test
