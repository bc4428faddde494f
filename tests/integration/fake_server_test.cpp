// The fake Messages API over real sockets: wire rules, SSE framing, faults, control
// endpoints and TLS. Everything runs in-process on port 0.

#include "support/eventually.hpp"
#include "support/expect_error.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/raw_client.hpp"
#include "support/running_fake.hpp"
#include "support/test_ca.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <regex>
#include <string>
#include <thread>

namespace gw::test {
namespace {

namespace json = boost::json;
using fake::Fault;
using fake::FaultKind;

constexpr std::string_view kMessage =
    R"({"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"Hello there"}]})";
constexpr std::string_view kStreamMessage =
    R"({"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Hello there"}]})";
constexpr std::string_view kCountTokens =
    R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hello there"}]})";

std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : std::string();
}

// The shared check, and what upstream adds: the exact message and x-should-retry.
void expect_upstream_error(const HttpResult& r, unsigned status, std::string_view type,
                           std::string_view message = {}) {
  expect_error(r, status, type);
  EXPECT_EQ(r.header("content-type").value_or(""), "application/json");
  if (!message.empty()) {
    EXPECT_EQ(str(parse_object(r.body)["error"].as_object()["message"]), message);
  }
  EXPECT_TRUE(r.header("x-should-retry").has_value());
}

struct SseEvent {
  std::string name;
  json::object data;
};

// Parses one chunk that must hold exactly one event in the upstream's framing.
std::optional<SseEvent> parse_event_chunk(const std::string& chunk) {
  static const std::regex kFrame("event: ([a-z_]+)\ndata: ([^\n]+)\n\n");
  std::smatch m;
  if (!std::regex_match(chunk, m, kFrame)) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(m[2].str(), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return SseEvent{m[1].str(), v.as_object()};
}

class FakeServerTest : public ::testing::Test {
 protected:
  HttpResult post(std::string_view path, std::string_view body, Headers headers = api_headers()) {
    return http_request("POST", fake_.base_url() + std::string(path), headers, body);
  }
  HttpResult get(std::string_view path, Headers headers = api_headers()) {
    return http_request("GET", fake_.base_url() + std::string(path), headers);
  }
  HttpResult stream(std::string_view body, const ChunkCallback& on_chunk = {},
                    ClientOptions options = {}) {
    return http_stream("POST", fake_.base_url() + "/v1/messages", api_headers(), body, options,
                       on_chunk);
  }

  RunningFake fake_;
};

TEST_F(FakeServerTest, MissingVersionIsRejected) {
  auto r = post("/v1/messages", kMessage, {{"x-api-key", "k"}});
  expect_upstream_error(r, 400, "invalid_request_error", "anthropic-version: header is required");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "false");
}

TEST_F(FakeServerTest, UnknownVersionIsRejectedWithTheValueQuoted) {
  auto r = post("/v1/messages", kMessage,
                {{"x-api-key", "k"}, {"anthropic-version", "2023-06-01, 2023-06-01"}});
  expect_upstream_error(r, 400, "invalid_request_error",
                        "anthropic-version: \"2023-06-01, 2023-06-01\" is not a valid version");

  // A repeated header is joined the same way.
  r = post("/v1/messages", kMessage,
           {{"x-api-key", "k"},
            {"anthropic-version", "2023-06-01"},
            {"anthropic-version", "2023-06-01"}});
  expect_upstream_error(r, 400, "invalid_request_error",
                        "anthropic-version: \"2023-06-01, 2023-06-01\" is not a valid version");
}

TEST_F(FakeServerTest, NewerVersionAndBearerKeyAreAccepted) {
  auto r = post("/v1/messages", kMessage,
                {{"authorization", "Bearer sk-test"}, {"anthropic-version", "2026-10-21"}});
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST_F(FakeServerTest, MissingKeyIs401) {
  auto r = post("/v1/messages", kMessage, {{"anthropic-version", "2023-06-01"}});
  expect_upstream_error(r, 401, "authentication_error", "x-api-key header is required");
}

TEST(FakeServerKey, OnlyTheConfiguredKeyIsAccepted) {
  fake::ServerOptions o;
  o.api_key = "right";
  RunningFake fake(o);
  auto wrong =
      http_request("POST", fake.base_url() + "/v1/messages", api_headers("wrong"), kMessage);
  expect_upstream_error(wrong, 401, "authentication_error", "invalid x-api-key");
  auto right =
      http_request("POST", fake.base_url() + "/v1/messages", api_headers("right"), kMessage);
  EXPECT_EQ(right.status, 200u) << right.body;
  auto bearer = http_request(
      "POST", fake.base_url() + "/v1/messages",
      {{"anthropic-version", "2023-06-01"}, {"Authorization", "Bearer right"}}, kMessage);
  EXPECT_EQ(bearer.status, 200u) << bearer.body;
}

TEST_F(FakeServerTest, UnknownPathIs404WithRequestId) {
  auto r = get("/v1/nothing-here");
  expect_upstream_error(r, 404, "not_found_error");
  r = get("/v2/messages", {});
  expect_upstream_error(r, 404, "not_found_error");
}

TEST_F(FakeServerTest, WrongMethodIsAnError) {
  auto r = get("/v1/messages");
  expect_upstream_error(r, 405, "invalid_request_error");
}

TEST_F(FakeServerTest, BodyOverTheLimitIs413) {
  fake::ServerOptions o;
  o.max_body_bytes = 1024;
  RunningFake small(o);
  std::string body(4096, 'x');
  auto r = http_request("POST", small.base_url() + "/v1/messages", api_headers(), body);
  expect_upstream_error(r, 413, "request_too_large");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "false");
}

TEST_F(FakeServerTest, JsonAnswerCarriesTheUpstreamHeaders) {
  auto r = post("/v1/messages", kMessage);
  ASSERT_FALSE(r.error) << r.error.message();
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type").value_or(""), "application/json");
  EXPECT_FALSE(r.chunked);
  EXPECT_TRUE(r.header("request-id").value_or("").starts_with("req_"));
  EXPECT_TRUE(r.header("anthropic-organization-id").has_value());
  EXPECT_FALSE(r.header("x-should-retry").has_value());
  static const std::regex kRfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  for (std::string family : {"requests", "tokens", "input-tokens", "output-tokens"}) {
    std::string base = "anthropic-ratelimit-" + family;
    EXPECT_TRUE(r.header(base + "-limit").has_value()) << base;
    EXPECT_TRUE(r.header(base + "-remaining").has_value()) << base;
    EXPECT_TRUE(std::regex_match(r.header(base + "-reset").value_or(""), kRfc3339)) << base;
  }
  auto body = parse_object(r.body);
  EXPECT_EQ(str(body["type"]), "message");
  EXPECT_EQ(str(body["role"]), "assistant");
}

TEST_F(FakeServerTest, StreamIsOneChunkPerEventEndingAtMessageStop) {
  auto r = stream(kStreamMessage);
  ASSERT_FALSE(r.error) << r.error.message();
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type").value_or(""), "text/event-stream; charset=utf-8");
  EXPECT_EQ(r.header("cache-control").value_or(""), "no-cache");
  EXPECT_TRUE(r.header("request-id").value_or("").starts_with("req_"));
  EXPECT_TRUE(r.header("anthropic-ratelimit-requests-reset").has_value());
  EXPECT_TRUE(r.chunked);
  EXPECT_TRUE(r.complete);
  ASSERT_GE(r.chunks.size(), 5u);
  std::vector<std::string> names;
  for (const auto& chunk : r.chunks) {
    auto ev = parse_event_chunk(chunk);
    ASSERT_TRUE(ev.has_value()) << "not one framed event: " << chunk;
    EXPECT_EQ(str(ev->data["type"]), ev->name);
    names.push_back(ev->name);
  }
  EXPECT_EQ(names.front(), "message_start");
  EXPECT_EQ(names.back(), "message_stop");
  auto logged = fake_->recorded().back();
  EXPECT_EQ(logged.response_body, r.body);
  EXPECT_EQ(logged.response_request_id, r.header("request-id").value_or("-"));
  EXPECT_NE(std::find(names.begin(), names.end(), "ping"), names.end());
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);

  // The fake counts the stream as completed after its last chunk went out, which may be
  // after the client read it.
  EXPECT_TRUE(eventually([&] {
    auto stats = fake_->stats();
    return stats.streams_started == 1 && stats.streams_completed == 1 && stats.active_streams == 0;
  }));
}

TEST_F(FakeServerTest, ConnectionStaysOpenAfterAStream) {
  HttpConnection c(fake_.base_url());
  auto first = c.request("POST", "/v1/messages", api_headers(), kStreamMessage);
  ASSERT_TRUE(first.complete) << first.error.message();
  EXPECT_TRUE(first.keep_alive);
  EXPECT_TRUE(c.is_open());
  auto second = c.request("POST", "/v1/messages", api_headers(), kMessage);
  EXPECT_EQ(second.status, 200u) << second.error.message();
  EXPECT_TRUE(c.is_open());
}

TEST(FakeServerClose, CloseAfterStreamClosesTheConnection) {
  fake::ServerOptions o;
  o.close_after_stream = true;
  RunningFake fake(o);
  HttpConnection c(fake.base_url());
  auto r = c.request("POST", "/v1/messages", api_headers(), kStreamMessage);
  ASSERT_TRUE(r.complete) << r.error.message();
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(r.header("connection").value_or(""), "close");
  EXPECT_FALSE(c.is_open());
}

TEST(FakeServerPacing, DeltaDelayStillDeliversEveryEvent) {
  fake::ServerOptions o;
  o.delta_delay = std::chrono::milliseconds(5);
  RunningFake fake(o);
  auto r =
      http_stream("POST", fake.base_url() + "/v1/messages", api_headers(), kStreamMessage, {}, {});
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(parse_event_chunk(r.chunks.back()).value_or(SseEvent{}).name == "message_stop");
}

TEST_F(FakeServerTest, CountTokensAndModelsRoutes) {
  auto ct = post("/v1/messages/count_tokens", kCountTokens);
  ASSERT_EQ(ct.status, 200u) << ct.body;
  EXPECT_TRUE(parse_object(ct.body).contains("input_tokens"));
  auto list = get("/v1/models?limit=2");
  ASSERT_EQ(list.status, 200u) << list.body;
  auto listed = parse_object(list.body);
  EXPECT_EQ(listed["data"].as_array().size(), 2u);
  auto one = get("/v1/models/claude-sonnet-4-5-20250929");
  EXPECT_EQ(one.status, 200u) << one.body;
  EXPECT_TRUE(one.header("request-id").has_value());
  auto missing = get("/v1/models/claude-nope");
  expect_upstream_error(missing, 404, "not_found_error");

  auto stats = fake_->stats();
  EXPECT_EQ(stats.count_tokens, 1u);
  EXPECT_EQ(stats.models, 3u);
  EXPECT_EQ(stats.requests, 4u);
  EXPECT_EQ(stats.request_times_ms.size(), 1u);
}

// The prompt cache is the server's, per API key however it is sent, and a reset empties it.
TEST_F(FakeServerTest, PromptCacheIsPerKeyAcrossConnectionsAndReset) {
  std::string system;
  for (int i = 0; i < 1500; ++i) system += "word ";
  json::object body = {{"model", "claude-sonnet-4-5"},
                       {"max_tokens", 16},
                       {"system", json::array{{{"type", "text"},
                                               {"text", system},
                                               {"cache_control", {{"type", "ephemeral"}}}}}},
                       {"messages", json::array{{{"role", "user"}, {"content", "hi"}}}}};
  const std::string text = json::serialize(body);
  using Counts = std::pair<std::int64_t, std::int64_t>;  // written, read
  auto cache_counts = [&](Headers headers) {
    const auto r = post("/v1/messages", text, std::move(headers));
    EXPECT_EQ(r.status, 200u) << r.body;
    auto usage = parse_object(r.body)["usage"].as_object();
    return Counts(usage["cache_creation_input_tokens"].as_int64(),
                  usage["cache_read_input_tokens"].as_int64());
  };
  const Headers key_a = {{"x-api-key", "key-a"}, {"anthropic-version", "2023-06-01"}};
  const Headers bearer_a = {{"Authorization", "Bearer key-a"}, {"anthropic-version", "2023-06-01"}};
  const Headers key_b = {{"x-api-key", "key-b"}, {"anthropic-version", "2023-06-01"}};
  EXPECT_EQ(cache_counts(key_a), Counts(1500, 0));
  EXPECT_EQ(cache_counts(bearer_a), Counts(0, 1500));
  EXPECT_EQ(cache_counts(key_b), Counts(1500, 0));
  EXPECT_EQ(http_request("POST", fake_.base_url() + "/_fake/reset").status, 200u);
  EXPECT_EQ(cache_counts(key_a), Counts(1500, 0));
}

// --- faults ---------------------------------------------------------------------------

TEST_F(FakeServerTest, StatusFaultWithRetryHeadersThenRecovers) {
  Fault f;
  f.kind = FaultKind::status;
  f.status = 429;
  f.retry_after = 3;
  f.retry_after_ms = 2500;
  fake_->faults().add(f);
  auto r = post("/v1/messages", kMessage);
  expect_upstream_error(r, 429, "rate_limit_error");
  EXPECT_EQ(r.header("retry-after").value_or(""), "3");
  EXPECT_EQ(r.header("retry-after-ms").value_or(""), "2500");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "true");
  EXPECT_TRUE(r.header("anthropic-ratelimit-requests-limit").has_value());
  EXPECT_EQ(post("/v1/messages", kMessage).status, 200u);
}

TEST_F(FakeServerTest, StatusFaultsMapToUpstreamErrorTypes) {
  struct Case {
    unsigned status;
    std::string_view type;
    std::string_view message;
  };
  for (Case c : {Case{529, "overloaded_error", "Overloaded"},
                 Case{500, "api_error", "Internal server error"}, Case{504, "timeout_error", ""},
                 Case{503, "overloaded_error", ""}, Case{402, "billing_error", ""}}) {
    Fault f;
    f.status = c.status;
    fake_->faults().add(f);
    auto r = post("/v1/messages", kMessage);
    expect_upstream_error(r, c.status, c.type, c.message);
    EXPECT_EQ(r.header("x-should-retry").value_or(""), c.status >= 500 ? "true" : "false");
  }
}

TEST_F(FakeServerTest, ShouldRetryOverrideAndCustomMessage) {
  Fault f;
  f.status = 529;
  f.should_retry = false;
  f.message = "Try later";
  fake_->faults().add(f);
  auto r = post("/v1/messages", kMessage);
  expect_upstream_error(r, 529, "overloaded_error", "Try later");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "false");
}

TEST_F(FakeServerTest, FaultsApplyInOrderWithCounts) {
  Fault a;
  a.status = 500;
  a.count = 2;
  Fault b;
  b.status = 429;
  fake_->faults().add({a, b});
  EXPECT_EQ(post("/v1/messages", kMessage).status, 500u);
  EXPECT_EQ(post("/v1/messages/count_tokens", kCountTokens).status, 500u);
  EXPECT_EQ(get("/v1/models").status, 200u);  // models never consume faults
  EXPECT_EQ(post("/v1/messages", kMessage).status, 429u);
  EXPECT_EQ(post("/v1/messages", kMessage).status, 200u);
  EXPECT_EQ(fake_->faults().pending(), 0u);
}

// Issue 11: the routes an SDK uses beyond messages and models, over HTTP as upstream
// answers them, each request recorded like the others.
TEST_F(FakeServerTest, MessageBatchesRoutes) {
  auto r = post("/v1/messages/batches", R"({"requests":[{"custom_id":"one","params":{
      "model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}}]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type").value_or(""), "application/json");
  EXPECT_TRUE(r.header("request-id").has_value());
  const std::string id = str(parse_object(r.body)["id"]);
  auto got = parse_object(get("/v1/messages/batches/" + id).body);
  EXPECT_EQ(str(got["processing_status"]), "ended");
  EXPECT_EQ(str(got["results_url"]), fake_.base_url() + "/v1/messages/batches/" + id + "/results");
  auto results = get("/v1/messages/batches/" + id + "/results");
  ASSERT_EQ(results.status, 200u);
  EXPECT_EQ(results.header("content-type").value_or(""), "application/binary");
  EXPECT_NE(results.body.find(R"("custom_id":"one")"), std::string::npos) << results.body;
  auto list = parse_object(get("/v1/messages/batches?limit=5").body);
  EXPECT_EQ(list["data"].as_array().size(), 1u);
  auto sent = fake_->recorded();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[3].target, "/v1/messages/batches?limit=5");
  // Authenticated like every route.
  expect_error(get("/v1/messages/batches", {{"anthropic-version", "2023-06-01"}}), 401,
               "authentication_error");
}

TEST_F(FakeServerTest, FilesRoutesKeepTheBytesExactly) {
  std::string bytes;
  for (unsigned i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>((i * 7919u) % 256));
  std::string form =
      "--sdkBoundary\r\nContent-Disposition: form-data; name=\"file\"; "
      "filename=\"blob.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  form += bytes + "\r\n--sdkBoundary--\r\n";
  Headers headers = {{"anthropic-version", "2023-06-01"},
                     {"x-api-key", "test-key"},
                     {"content-type", "multipart/form-data; boundary=sdkBoundary"}};
  headers.emplace_back("anthropic-beta", "files-api-2025-04-14");
  auto r = post("/v1/files", form, headers);
  ASSERT_EQ(r.status, 200u) << r.body;
  auto meta = parse_object(r.body);
  EXPECT_EQ(meta["size_bytes"], 300000);
  const std::string id = str(meta["id"]);
  auto content = get("/v1/files/" + id + "/content");
  ASSERT_EQ(content.status, 200u);
  EXPECT_EQ(content.body, bytes);
  EXPECT_EQ(content.header("content-type").value_or(""), "application/octet-stream");
  EXPECT_EQ(parse_object(get("/v1/files").body)["data"].as_array().size(), 1u);
  auto del = http_request("DELETE", fake_.base_url() + "/v1/files/" + id, api_headers());
  EXPECT_EQ(str(parse_object(del.body)["type"]), "file_deleted");
  expect_error(get("/v1/files/" + id), 404, "not_found_error");
  EXPECT_EQ(fake_->recorded().front().header("anthropic-beta"), "files-api-2025-04-14");
}

TEST_F(FakeServerTest, SessionsBetaRoutes) {
  auto headers = api_headers();
  headers.emplace_back("anthropic-beta", "managed-agents-2026-04-01");
  auto r = post("/v1/sessions", R"({"agent":"agent_x","environment_id":"env_x"})", headers);
  ASSERT_EQ(r.status, 200u) << r.body;
  const std::string id = str(parse_object(r.body)["id"]);
  EXPECT_EQ(str(parse_object(get("/v1/sessions/" + id, headers).body)["id"]), id);
  EXPECT_EQ(parse_object(get("/v1/sessions", headers).body)["data"].as_array().size(), 1u);
  expect_error(get("/v1/sessions"), 400, "invalid_request_error");  // the beta is required
}

TEST(FaultScript, ForMsWindowOpensOnFirstUse) {
  fake::FaultScript script;
  Fault f;
  f.status = 503;
  f.for_ms = std::chrono::milliseconds(100);
  script.add(f);
  Fault after;
  after.status = 429;
  script.add(after);
  auto t0 = fake::FaultScript::Clock::now() + std::chrono::hours(1);  // long after scripting
  EXPECT_EQ(script.next(t0)->status, 503u);
  EXPECT_EQ(script.next(t0 + std::chrono::milliseconds(99))->status, 503u);
  EXPECT_EQ(script.next(t0 + std::chrono::milliseconds(100))->status, 429u);
  EXPECT_FALSE(script.next(t0 + std::chrono::milliseconds(101)).has_value());
}

TEST(FaultScript, ParsesTheJsonForm) {
  std::string error;
  auto faults = fake::parse_faults(
      R"({"faults":[{"kind":"status","status":429,"retry_after":2,"should_retry":false,"count":3},
                   {"kind":"stream_error","after_events":4,"error_type":"api_error","message":"boom"},
                   {"kind":"slow","delay_ms":25,"for_ms":1000},{"kind":"hang"}]})",
      error);
  ASSERT_TRUE(faults.has_value()) << error;
  ASSERT_EQ(faults->size(), 4u);
  EXPECT_EQ((*faults)[0].status, 429u);
  EXPECT_EQ((*faults)[0].retry_after, 2);
  EXPECT_EQ((*faults)[0].should_retry, false);
  EXPECT_EQ((*faults)[0].count, 3u);
  EXPECT_EQ((*faults)[1].kind, FaultKind::stream_error);
  EXPECT_EQ((*faults)[1].after_events, 4u);
  EXPECT_EQ((*faults)[1].error_type, "api_error");
  EXPECT_EQ((*faults)[2].delay, std::chrono::milliseconds(25));
  EXPECT_EQ((*faults)[2].for_ms, std::chrono::milliseconds(1000));
  EXPECT_EQ((*faults)[3].kind, FaultKind::hang);

  EXPECT_FALSE(fake::parse_faults(R"({"faults":[{"kind":"explode"}]})", error));
  EXPECT_NE(error.find("explode"), std::string::npos);
  EXPECT_FALSE(fake::parse_faults(R"({"faults":[{"kind":"status","count":0}]})", error));
  EXPECT_FALSE(fake::parse_faults("not json", error));
}

TEST_F(FakeServerTest, DropBeforeResponseClosesWithoutAnswer) {
  Fault f;
  f.kind = FaultKind::drop_before_response;
  fake_->faults().add(f);
  auto r = post("/v1/messages", kMessage);
  EXPECT_TRUE(r.error);
  EXPECT_EQ(r.status, 0u);
  EXPECT_EQ(post("/v1/messages", kMessage).status, 200u);
}

TEST_F(FakeServerTest, DropMidStreamSendsSomeEventsThenCloses) {
  Fault f;
  f.kind = FaultKind::drop_mid_stream;
  f.after_events = 2;
  fake_->faults().add(f);
  auto r = stream(kStreamMessage);
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(r.error);
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.chunks.size(), 2u);
  EXPECT_EQ(parse_event_chunk(r.chunks[0]).value_or(SseEvent{}).name, "message_start");
  EXPECT_EQ(r.body.find("message_stop"), std::string::npos);
  EXPECT_EQ(fake_->recorded().back().response_body, r.body);
  auto stats = fake_->stats();
  EXPECT_EQ(stats.streams_started, 1u);
  EXPECT_EQ(stats.streams_completed, 0u);
  EXPECT_EQ(stats.active_streams, 0);
}

TEST_F(FakeServerTest, DropMidStreamOnJsonTruncatesTheBody) {
  Fault f;
  f.kind = FaultKind::drop_mid_stream;
  fake_->faults().add(f);
  auto r = post("/v1/messages", kMessage);
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(r.error);
  EXPECT_FALSE(r.complete);
}

TEST_F(FakeServerTest, DropAfterHeadersSendsTheHeadThenCloses) {
  std::string error;
  auto parsed = fake::parse_faults(R"({"faults":[{"kind":"drop_after_headers"}]})", error);
  ASSERT_TRUE(parsed) << error;
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].kind, FaultKind::drop_after_headers);
  fake_->faults().add(*parsed);
  fake_->faults().add(*parsed);
  auto s = stream(kStreamMessage);
  EXPECT_EQ(s.status, 200u);
  EXPECT_TRUE(s.error);
  EXPECT_FALSE(s.complete);
  EXPECT_TRUE(s.body.empty()) << s.body;
  auto j = post("/v1/messages", kMessage);
  EXPECT_EQ(j.status, 200u);
  EXPECT_TRUE(j.error);
  EXPECT_TRUE(j.body.empty()) << j.body;
  EXPECT_EQ(post("/v1/messages", kMessage).status, 200u);
}

TEST_F(FakeServerTest, StreamErrorSendsAnErrorEventAndEndsTheStream) {
  Fault f;
  f.kind = FaultKind::stream_error;
  f.after_events = 3;
  fake_->faults().add(f);
  auto r = stream(kStreamMessage);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(r.chunks.size(), 4u);
  EXPECT_EQ(r.chunks[3],
            "event: error\ndata: "
            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
            "\"Overloaded\"}}\n\n");
  EXPECT_EQ(r.body.find("message_stop"), std::string::npos);
  EXPECT_EQ(fake_->stats().streams_completed, 0u);
}

TEST_F(FakeServerTest, StreamErrorOnJsonAnswersTheMatchingStatus) {
  Fault f;
  f.kind = FaultKind::stream_error;
  fake_->faults().add(f);
  expect_upstream_error(post("/v1/messages", kMessage), 529, "overloaded_error", "Overloaded");
}

TEST_F(FakeServerTest, SlowFaultDelaysButDelivers) {
  Fault f;
  f.kind = FaultKind::slow;
  f.delay = std::chrono::milliseconds(5);
  f.count = 2;
  fake_->faults().add(f);
  auto s = stream(kStreamMessage);
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(post("/v1/messages", kMessage).status, 200u);
}

TEST_F(FakeServerTest, GarbageIs200WithoutJson) {
  Fault f;
  f.kind = FaultKind::garbage;
  fake_->faults().add(f);
  auto r = post("/v1/messages", kMessage);
  EXPECT_EQ(r.status, 200u);
  boost::system::error_code ec;
  json::parse(r.body, ec);
  EXPECT_TRUE(ec) << r.body;
}

TEST_F(FakeServerTest, HangNeverAnswersAndNoticesTheClientLeaving) {
  Fault f;
  f.kind = FaultKind::hang;
  fake_->faults().add(f);
  RawClient client(fake_.port());
  client.post("/v1/messages", api_headers(), kMessage);
  // The client leaves once the fake has the request, not when a deadline says so.
  ASSERT_TRUE(eventually([&] { return fake_->stats().messages == 1; }));
  client.close();
  EXPECT_TRUE(eventually([&] { return fake_->stats().client_disconnects == 1; }));
  EXPECT_EQ(fake_->recorded().back().response_status, 0u);  // nothing was answered
}

TEST_F(FakeServerTest, ClientLeavingMidStreamIsObserved) {
  // An hour between events: the stream cannot end before the client leaves, however slow
  // the machine; only the fake watching its socket sees the client go.
  fake::ServerOptions o;
  o.delta_delay = std::chrono::hours(1);
  RunningFake slow(o);
  int seen = 0;
  auto r = http_stream("POST", slow.base_url() + "/v1/messages", api_headers(), kStreamMessage, {},
                       [&](std::string_view) {
                         ++seen;
                         return false;
                       });
  EXPECT_EQ(seen, 1);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(eventually([&] {
    auto s = slow->stats();
    return s.client_disconnects == 1 && s.active_streams == 0;
  }));
  EXPECT_EQ(slow->stats().streams_completed, 0u);
}

TEST_F(FakeServerTest, HoldKeepsAStreamOpenAfterItsEventsUntilReleased) {
  Fault f;
  f.kind = FaultKind::hold;
  f.after_events = 2;
  fake_->faults().add(f);
  std::mutex mutex;
  std::vector<std::string> seen;
  auto client = std::async(std::launch::async, [&] {
    return stream(kStreamMessage, [&](std::string_view c) {
      std::lock_guard lock(mutex);
      seen.emplace_back(c);
      return true;
    });
  });
  ASSERT_TRUE(eventually([&] { return fake_->stats().holding == 1; }));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return seen.size() == 2;
  }));
  auto held = fake_->stats();
  EXPECT_EQ(held.active_streams, 1);
  EXPECT_EQ(held.streams_completed, 0u);
  EXPECT_EQ(held.holds, 1u);
  EXPECT_EQ(fake_->release(), 1u);
  auto r = client.get();
  EXPECT_TRUE(r.complete);
  EXPECT_GT(r.chunks.size(), 2u);
  EXPECT_TRUE(r.chunks.back().starts_with("event: message_stop")) << r.chunks.back();
  EXPECT_EQ(fake_->stats().holding, 0u);
  EXPECT_EQ(fake_->release(), 0u);  // nothing left to release
}

TEST_F(FakeServerTest, HoldOnAJsonAnswerAndAClientLeavingMeanwhile) {
  auto add = http_request("POST", fake_.base_url() + "/_fake/faults", {},
                          R"({"faults":[{"kind":"hold","count":2}]})");
  ASSERT_EQ(add.status, 200u) << add.body;
  auto held = std::async(std::launch::async, [&] { return post("/v1/messages", kMessage); });
  ASSERT_TRUE(eventually([&] { return fake_->stats().holding == 1; }));
  auto released = http_request("POST", fake_.base_url() + "/_fake/release?count=1");
  ASSERT_EQ(released.status, 200u);
  EXPECT_EQ(parse_object(released.body)["released"], 1);
  EXPECT_EQ(held.get().status, 200u);

  // The second held answer: its client closes the socket, which the fake counts.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), fake_.port()});
  std::string req =
      "POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\n"
      "anthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n"
      "content-length: " +
      std::to_string(kMessage.size()) + "\r\n\r\n" + std::string(kMessage);
  boost::asio::write(s, boost::asio::buffer(req));
  ASSERT_TRUE(eventually([&] { return fake_->stats().holding == 1; }));
  s.close();
  EXPECT_TRUE(eventually([&] {
    auto st = fake_->stats();
    return st.client_disconnects == 1 && st.holding == 0;
  }));
  EXPECT_EQ(fake_->stats().holds, 2u);
}

// --- control endpoints ------------------------------------------------------------------

TEST_F(FakeServerTest, ControlEndpointsScriptFaultsAndReport) {
  auto add = http_request("POST", fake_.base_url() + "/_fake/faults", {},
                          R"({"faults":[{"kind":"status","status":503,"count":2}]})");
  ASSERT_EQ(add.status, 200u) << add.body;
  EXPECT_EQ(parse_object(add.body)["pending"].as_int64(), 1);
  auto bad = http_request("POST", fake_.base_url() + "/_fake/faults", {}, R"({"faults":[1]})");
  EXPECT_EQ(bad.status, 400u);

  EXPECT_EQ(post("/v1/messages", kMessage).status, 503u);
  auto cleared = http_request("DELETE", fake_.base_url() + "/_fake/faults");
  EXPECT_EQ(cleared.status, 200u);
  EXPECT_EQ(post("/v1/messages", kMessage).status, 200u);
  EXPECT_EQ(post("/v1/messages/count_tokens", kCountTokens).status, 200u);
  get("/v1/models");

  auto stats = parse_object(http_request("GET", fake_.base_url() + "/_fake/stats").body);
  EXPECT_EQ(stats["requests"].as_int64(), 4);
  EXPECT_EQ(stats["messages"].as_int64(), 2);
  EXPECT_EQ(stats["count_tokens"].as_int64(), 1);
  EXPECT_EQ(stats["models"].as_int64(), 1);
  EXPECT_EQ(stats["request_times_ms"].as_array().size(), 3u);
  for (auto key :
       {"streams_started", "streams_completed", "client_disconnects", "active_streams"}) {
    EXPECT_TRUE(stats.contains(key)) << key;
  }

  auto reset = http_request("POST", fake_.base_url() + "/_fake/reset");
  EXPECT_EQ(reset.status, 200u);
  EXPECT_EQ(fake_->stats().requests, 0u);
  EXPECT_TRUE(fake_->recorded().empty());
}

TEST_F(FakeServerTest, RequestsAreRecordedAsReceived) {
  Headers h = api_headers("sk-recorded");
  h.emplace_back("Anthropic-Beta", "a-1");
  h.emplace_back("anthropic-beta", "b-2");
  post("/v1/messages", kMessage, h);
  get("/v1/models?limit=1");

  auto recorded = fake_->recorded();
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded[0].method, "POST");
  EXPECT_EQ(recorded[0].target, "/v1/messages");
  EXPECT_EQ(recorded[0].body, kMessage);
  EXPECT_EQ(recorded[0].header("x-api-key"), "sk-recorded");
  int betas = 0;
  for (const auto& [n, v] : recorded[0].headers)
    betas += (n == "Anthropic-Beta" || n == "anthropic-beta");
  EXPECT_EQ(betas, 2);
  EXPECT_EQ(recorded[1].target, "/v1/models?limit=1");
  EXPECT_EQ(recorded[0].response_status, 200u);
  EXPECT_TRUE(recorded[0].response_request_id.starts_with("req_"));
  EXPECT_EQ(parse_object(recorded[0].response_body)["type"].as_string(), "message");

  auto r = http_request("GET", fake_.base_url() + "/_fake/requests?limit=1");
  auto list = parse_object(r.body)["requests"].as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(str(list[0].as_object()["target"]), "/v1/models?limit=1");
  EXPECT_TRUE(list[0].as_object()["headers"].is_array());
}

// --- TLS ---------------------------------------------------------------------------------

class FakeServerTlsTest : public ::testing::Test {
 protected:
  const TestCertificates& certs_ = shared_test_certificates();
  RunningFake fake_{certs_};
  ClientOptions trusted() const {
    ClientOptions o;
    o.ca_file = certs_.ca_cert_file().string();
    return o;
  }
};

TEST_F(FakeServerTlsTest, ServesJsonAndStreamsToAClientTrustingTheTestCa) {
  EXPECT_TRUE(fake_.base_url().starts_with("https://localhost:"));
  auto r =
      http_request("POST", fake_.base_url() + "/v1/messages", api_headers(), kMessage, trusted());
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.status, 200u);
  auto s = http_stream("POST", fake_.base_url() + "/v1/messages", api_headers(), kStreamMessage,
                       trusted(), {});
  ASSERT_FALSE(s.error) << s.error.message();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(parse_event_chunk(s.chunks.back()).value_or(SseEvent{}).name, "message_stop");
  // By IP too: the certificate carries 127.0.0.1 as a SAN.
  auto by_ip =
      http_request("GET", "https://127.0.0.1:" + std::to_string(fake_.port()) + "/v1/models",
                   api_headers(), {}, trusted());
  EXPECT_EQ(by_ip.status, 200u) << by_ip.error.message();
}

TEST_F(FakeServerTlsTest, KeepAliveOverTls) {
  HttpConnection c(fake_.base_url(), trusted());
  EXPECT_EQ(c.request("POST", "/v1/messages", api_headers(), kStreamMessage).status, 200u);
  EXPECT_TRUE(c.is_open());
  EXPECT_EQ(c.request("POST", "/v1/messages", api_headers(), kMessage).status, 200u);
}

TEST_F(FakeServerTlsTest, AClientTrustingAnotherCaRefuses) {
  ClientOptions o;
  o.ca_file = certs_.other_ca_cert_file().string();
  auto r = http_request("GET", fake_.base_url() + "/v1/models", api_headers(), {}, o);
  // The chain fails verification; not just any failure (a refused connection, a timeout).
  EXPECT_NE(r.error.message().find("certificate verify failed"), std::string::npos)
      << r.error.message();
  EXPECT_EQ(r.status, 0u);
  EXPECT_EQ(fake_->stats().requests, 0u);
}

TEST_F(FakeServerTlsTest, FaultsAndDisconnectsWorkOverTls) {
  Fault f;
  f.kind = FaultKind::stream_error;
  f.after_events = 1;
  Fault slow;
  slow.kind = FaultKind::slow;
  slow.delay = std::chrono::hours(1);  // the client leaves long before a second event
  fake_->faults().add({f, slow});
  auto s = http_stream("POST", fake_.base_url() + "/v1/messages", api_headers(), kStreamMessage,
                       trusted(), {});
  ASSERT_EQ(s.chunks.size(), 2u);
  EXPECT_TRUE(s.chunks[1].starts_with("event: error\n"));

  auto cut = http_stream("POST", fake_.base_url() + "/v1/messages", api_headers(), kStreamMessage,
                         trusted(), [](std::string_view) { return false; });
  EXPECT_EQ(cut.chunks.size(), 1u);
  EXPECT_TRUE(eventually([&] { return fake_->stats().client_disconnects == 1; }));
}

}  // namespace
}  // namespace gw::test
