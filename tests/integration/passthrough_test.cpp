// The pass-through routes end to end in-process: a TLS fake upstream with a test CA, the
// gateway on port 0, a real HTTP client. What the client gets must be what the fake sent.

#include "support/eventually.hpp"
#include "support/expect_error.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/raw_client.hpp"
#include "support/running_fake.hpp"
#include "support/running_gateway.hpp"
#include "support/test_ca.hpp"
#include "unit/test_images.hpp"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>

namespace gw::test {
namespace {

namespace json = boost::json;
using fake::Fault;
using fake::FaultKind;

constexpr std::string_view kMessage =
    R"({"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"Hello there"}]})";
constexpr std::string_view kStream =
    R"({"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Tell me [[words:40]]"}]})";

Fault fault(FaultKind kind) {
  Fault f;
  f.kind = kind;
  return f;
}

// No client keys: any key, or none, is let through, and upstream gets the gateway's own.
void anonymous(Config& c) {
  c.auth.keys.clear();
}

class PassthroughTest : public GatewayFixture {
 protected:
  void SetUp() override { start(anonymous); }
};

TEST_F(PassthroughTest, JsonResponseIsWhatUpstreamSent) {
  auto r = http_request("POST", url("/v1/messages"), client_headers(), kMessage);
  ASSERT_FALSE(r.error) << r.error.message();
  ASSERT_EQ(r.status, 200u) << r.body;
  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(r.body, sent.back().response_body);
  EXPECT_EQ(sent.back().body, kMessage);  // the body went upstream unchanged
  EXPECT_EQ(r.header("content-type").value_or(""), "application/json");
  // Upstream's request-id and rate-limit headers reach the client, with upstream's values.
  EXPECT_EQ(r.header("request-id"), sent.back().response_request_id);
  std::size_t rate_limit_headers = 0;
  for (const auto& [name, value] : sent.back().response_headers) {
    if (!name.starts_with("anthropic-ratelimit-")) continue;
    ++rate_limit_headers;
    EXPECT_EQ(r.header(name).value_or("(absent)"), value) << name;
    EXPECT_EQ(r.header_count(name), 1u) << name;
  }
  EXPECT_EQ(rate_limit_headers, 12u);  // requests, tokens, input and output tokens
}

// The request goes upstream as one write of head and body: written as two buffers through
// the TLS stream, a body past 16 KB never finished (issue 17's rewrite of the request
// head; it hung until the response timeout).
TEST_F(PassthroughTest, BodiesPastATlsRecordReachUpstreamWhole) {
  for (std::size_t size : {16u * 1024, 16u * 1024 + 1, 100u * 1024}) {
    const std::string body = R"({"model":"claude-sonnet-4-5","max_tokens":16,"messages":[)"
                             R"({"role":"user","content":")" +
                             std::string(size, 'x') + R"("}]})";
    auto r = http_request("POST", url("/v1/messages"), client_headers(), body);
    ASSERT_FALSE(r.error) << size << ": " << r.error.message();
    ASSERT_EQ(r.status, 200u) << size << ": " << r.body;
    EXPECT_EQ(fake().recorded().back().body, body) << size;
  }
}

TEST_F(PassthroughTest, StreamIsRelayedByteForByte) {
  auto r = http_request("POST", url("/v1/messages"), client_headers(), kStream);
  ASSERT_FALSE(r.error) << r.error.message();
  ASSERT_EQ(r.status, 200u);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.header("content-type").value_or(""), "text/event-stream; charset=utf-8");
  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(r.body, sent.back().response_body);
  EXPECT_NE(r.body.find("event: message_stop"), std::string::npos);
}

TEST_F(PassthroughTest, SlowStreamReachesClientEventByEventNotBuffered) {
  // Upstream sends three events and then holds its stream open: those three must reach
  // the client before upstream's stream ends, not when it does.
  Fault f = fault(FaultKind::hold);
  f.after_events = 3;
  fake().faults().add(f);
  std::mutex mutex;
  std::vector<std::string> chunks;
  auto client = std::async(std::launch::async, [&] {
    return http_stream("POST", url("/v1/messages"), client_headers(), kStream, {},
                       [&](std::string_view c) {
                         std::lock_guard lock(mutex);
                         chunks.emplace_back(c);
                         return true;
                       });
  });
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  const bool relayed_while_open = eventually([&] {
    std::lock_guard lock(mutex);
    return chunks.size() >= 3;
  });
  const auto open = fake().stats();
  fake().release();
  auto r = client.get();
  EXPECT_TRUE(relayed_while_open) << "the first events waited for the end of upstream's stream";
  EXPECT_EQ(open.holding, 1u);  // upstream's stream was still open when they arrived
  EXPECT_EQ(open.streams_completed, 0u);
  ASSERT_EQ(r.status, 200u);
  EXPECT_TRUE(r.complete);
  // One chunk per event, each chunk whole events.
  auto events = fake().recorded().back().response_body;
  std::size_t count = 0;
  for (std::size_t p = 0; (p = events.find("\n\n", p)) != std::string::npos; p += 2) ++count;
  EXPECT_EQ(chunks.size(), count);
  for (const auto& c : chunks) EXPECT_TRUE(c.size() >= 2 && c.substr(c.size() - 2) == "\n\n") << c;
}

TEST_F(PassthroughTest, KeysAndVersionHeaders) {
  auto h = client_headers();
  h.push_back({"anthropic-beta", "context-1m-2025-08-07"});
  h.push_back({"cookie", "session=secret"});
  auto r = http_request("POST", url("/v1/messages"), h, kMessage);
  ASSERT_EQ(r.status, 200u) << r.body;

  Headers bearer = {{"content-type", "application/json"},
                    {"authorization", "Bearer client-bearer-should-not-leak"},
                    {"anthropic-version", "2026-10-21"}};
  r = http_request("POST", url("/v1/messages"), bearer, kMessage);
  ASSERT_EQ(r.status, 200u) << r.body;

  Headers no_version = {{"content-type", "application/json"}};
  r = http_request("POST", url("/v1/messages"), no_version, kMessage);
  ASSERT_EQ(r.status, 200u) << r.body;

  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 3u);
  for (const auto& req : sent) {
    EXPECT_EQ(req.header("x-api-key"), "upstream-key-for-tests");
    EXPECT_EQ(req.header("authorization"), "");
    EXPECT_EQ(req.header("cookie"), "");
  }
  EXPECT_EQ(sent[0].header("anthropic-version"), "2023-06-01");
  EXPECT_EQ(sent[0].header("anthropic-beta"), "context-1m-2025-08-07");
  EXPECT_EQ(sent[1].header("anthropic-version"), "2026-10-21");  // passed through as sent
  EXPECT_EQ(sent[2].header("anthropic-version"), "2023-06-01");  // set when absent
}

TEST_F(PassthroughTest, CountTokensAndModels) {
  auto r =
      http_request("POST", url("/v1/messages/count_tokens"), client_headers(),
                   R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(parse_object(r.body).contains("input_tokens"));

  r = http_request("GET", url("/v1/models?limit=2"), client_headers());
  ASSERT_EQ(r.status, 200u) << r.body;
  auto page = parse_object(r.body);
  EXPECT_EQ(page["data"].as_array().size(), 2u);
  EXPECT_EQ(fake().recorded().back().target, "/v1/models?limit=2");  // query kept

  r = http_request("GET", url("/v1/models/claude-opus-4-6"), client_headers());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(parse_object(r.body)["id"], "claude-opus-4-6");

  r = http_request("GET", url("/v1/models/claude-nonexistent"), client_headers());
  expect_error(r, 404, "not_found_error");  // upstream's error, relayed
}

TEST_F(PassthroughTest, UpstreamErrorsAreRelayedWithRetryHints) {
  Fault f = fault(FaultKind::status);
  f.status = 529;
  f.retry_after = 3;
  f.should_retry = false;  // upstream says not to retry, so the gateway relays it as is
  fake().faults().add(f);
  auto r = http_request("POST", url("/v1/messages"), client_headers(), kMessage);
  expect_error(r, 529, "overloaded_error");
  EXPECT_EQ(r.header("retry-after").value_or(""), "3");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "false");
  EXPECT_EQ(fake().recorded().size(), 1u);
}

TEST_F(PassthroughTest, MalformedJsonIsRejectedBeforeUpstream) {
  auto r = http_request("POST", url("/v1/messages"), client_headers(), R"({"model": )");
  expect_error(r, 400, "invalid_request_error", "not valid JSON");
  r = http_request("POST", url("/v1/messages"), client_headers(), R"(["an","array"])");
  expect_error(r, 400, "invalid_request_error", "JSON object");
  EXPECT_EQ(fake().stats().messages, 0u);
}

// A PNG labelled image/jpeg: upstream would refuse it too, but only after the request was
// sent (and, for a new user who tried it, paid for). The gateway refuses it at the door
// in upstream's words, on /v1/messages and count_tokens alike, and sends nothing.
TEST_F(PassthroughTest, AMislabelledImageIsRefusedLocallyAndNothingGoesUpstream) {
  const std::string png =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/"
      "pLvAAAAAElFTkSuQmCC";
  auto body = [&](std::string_view media_type, bool tokens_only) {
    return std::string(R"({"model":"claude-sonnet-4-5",)") +
           (tokens_only ? "" : R"("max_tokens":64,)") +
           R"("messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},)"
           R"({"type":"image","source":{"type":"base64","media_type":")" +
           std::string(media_type) + R"(","data":")" + png + R"("}}]}]})";
  };
  const std::string expected =
      "messages.0.content.1.image.source.base64.data: Image does not match the provided media "
      "type image/jpeg";
  auto r = http_request("POST", url("/v1/messages"), client_headers(), body("image/jpeg", false));
  expect_error(r, 400, "invalid_request_error", expected);
  r = http_request("POST", url("/v1/messages/count_tokens"), client_headers(),
                   body("image/jpeg", true));
  expect_error(r, 400, "invalid_request_error", expected);
  EXPECT_TRUE(fake().recorded().empty());
  // Labelled right, it goes upstream untouched, and upstream sees the 1x1 image.
  r = http_request("POST", url("/v1/messages"), client_headers(), body("image/png", false));
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(fake().recorded().size(), 1u);
  EXPECT_EQ(fake().recorded().back().body, body("image/png", false));
  EXPECT_NE(r.body.find("[image image/png 1x1, 69 bytes, sha256 b1ff9c8ea3a7]"), std::string::npos)
      << r.body;
}

// Pass-through never places breakpoints of its own nor moves the client's: its marks, a
// top-level cache_control among them, go upstream byte for byte, and the cache's counts
// come back and are counted.
// Upstream's many-image rule, counted over the whole request: 21 images across two user
// turns and a tool_result, one of them 2001 px wide, is refused at the door; at 2000 px it
// goes.
TEST_F(PassthroughTest, TheManyImageRuleCountsEveryTurnAndIsCheckedLocally) {
  auto image = [](unsigned width) {
    return R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":")" +
           test_images::base64(test_images::png(width, 10)) + R"("}})";
  };
  auto body = [&](unsigned last_width) {
    std::string first, second;
    for (int i = 0; i < 10; ++i) first += image(100) + ",";
    for (int i = 0; i < 9; ++i) second += image(100) + ",";
    return R"({"model":"claude-sonnet-4-5","max_tokens":16,"messages":[)"
           R"({"role":"user","content":[)" +
           first +
           R"({"type":"text","text":"a"}]},)"
           R"({"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"look","input":{}}]},)"
           R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[)" +
           image(100) + R"(]},)" + second + image(last_width) + R"(]}]})";
  };
  auto r = http_request("POST", url("/v1/messages"), client_headers(), body(2001));
  expect_error(r, 400, "invalid_request_error",
               "messages.2.content.10.image.source.base64.data: At least one of the image "
               "dimensions exceed max allowed size for many-image requests: 2000 pixels");
  EXPECT_TRUE(fake().recorded().empty());
  r = http_request("POST", url("/v1/messages"), client_headers(), body(2000));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake().recorded().size(), 1u);
}

TEST_F(PassthroughTest, TheClientsCacheControlGoesUpstreamUntouched) {
  std::string system;
  for (int i = 0; i < 1100; ++i) system += "rule ";
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":64,"cache_control":{"type":"ephemeral"},)"
      R"("system":[{"type":"text","text":")" +
      system +
      R"(","cache_control":{"type":"ephemeral","ttl":"1h"}}],)"
      R"("messages":[{"role":"user","content":"Hello there"}]})";
  auto first = http_request("POST", url("/v1/messages"), client_headers(), body);
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(fake().recorded().back().body, body);
  auto second = http_request("POST", url("/v1/messages"), client_headers(), body);
  ASSERT_EQ(second.status, 200u) << second.body;
  const auto usage = boost::json::parse(second.body).at("usage");
  const auto read = usage.at("cache_read_input_tokens").to_number<std::uint64_t>();
  EXPECT_GT(read, 1100u);
  const std::string metrics = http_request("GET", url("/metrics")).body;
  EXPECT_NE(
      metrics.find("gateway_tokens_total{direction=\"cache_read_input\"} " + std::to_string(read)),
      std::string::npos)
      << metrics;
}

TEST_F(PassthroughTest, UnknownRouteAndWrongMethod) {
  // Outside /v1/ a path is the gateway's to know; under it, upstream's (it is forwarded).
  auto r = http_request("GET", url("/gateway/v1/nothing-here"), client_headers());
  expect_error(r, 404, "not_found_error", "no route for /gateway/v1/nothing-here");
  r = http_request("GET", url("/nothing-here"), client_headers());
  expect_error(r, 404, "not_found_error");
  EXPECT_EQ(fake().stats().requests, 0u);
  r = http_request("GET", url("/v1/nothing-here"), client_headers());
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_EQ(fake().recorded().size(), 1u) << "an unknown /v1/ path is upstream's to answer";
  r = http_request("GET", url("/v1/messages"), client_headers());
  expect_error(r, 405, "invalid_request_error");
  EXPECT_EQ(r.header("allow").value_or(""), "POST");
  r = http_request("DELETE", url("/v1/models"), client_headers());
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.header("allow").value_or(""), "GET");
}

TEST_F(PassthroughTest, HealthAndReadiness) {
  auto r = http_request("GET", url("/healthz"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(parse_object(r.body)["status"], "ok");
  EXPECT_TRUE(r.header("request-id").has_value());
  r = http_request("GET", url("/readyz"));
  EXPECT_EQ(r.status, 200u);
}

TEST_F(PassthroughTest, UpstreamErrorEventInsideStreamReachesClient) {
  Fault f = fault(FaultKind::stream_error);
  f.after_events = 3;
  fake().faults().add(f);
  auto r = http_request("POST", url("/v1/messages"), client_headers(), kStream);
  ASSERT_EQ(r.status, 200u);
  EXPECT_TRUE(r.complete);
  EXPECT_NE(r.body.find(
                "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\""),
            std::string::npos)
      << r.body;
  EXPECT_EQ(r.body, fake().recorded().back().response_body);
}

TEST_F(PassthroughTest, UpstreamDropMidStreamEndsWithErrorEvent) {
  Fault f = fault(FaultKind::drop_mid_stream);
  f.after_events = 4;
  fake().faults().add(f);
  auto r = http_request("POST", url("/v1/messages"), client_headers(), kStream);
  ASSERT_EQ(r.status, 200u);
  EXPECT_TRUE(r.complete);  // the client's stream ends cleanly, with the failure said in-band
  auto pos = r.body.rfind("event: error\n");
  ASSERT_NE(pos, std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"type\":\"api_error\"", pos), std::string::npos);
  EXPECT_EQ(r.body.find("message_stop"), std::string::npos);
}

TEST_F(PassthroughTest, ClientDisconnectMidStreamCancelsUpstream) {
  // Upstream holds its stream open after two events; the client leaves after them. Nothing
  // more comes from upstream, so only the gateway watching its client can cancel it.
  Fault f = fault(FaultKind::hold);
  f.after_events = 2;
  fake().faults().add(f);
  int chunks = 0;
  auto r = http_stream("POST", url("/v1/messages"), client_headers(), kStream, {},
                       [&](std::string_view) { return ++chunks < 2; });
  EXPECT_EQ(chunks, 2);
  EXPECT_EQ(fake().stats().streams_started, 1u);
  EXPECT_TRUE(eventually([&] { return fake().stats().client_disconnects == 1; }))
      << "the fake never saw the gateway close the upstream request";
  EXPECT_EQ(fake().stats().streams_completed, 0u);
  EXPECT_EQ(fake().stats().holding, 0u);
}

// Upstream holds its answer; the client closes its socket once upstream has the request.
// The response timeout is an hour, so only the gateway noticing its client can end it.
TEST(Upstream, ClientDisconnectWhileUpstreamHoldsItsAnswerCancelsUpstream) {
  RunningFake fake;
  fake->faults().add(fault(FaultKind::hold));
  auto config = gateway_config(fake);
  config.upstream.response_timeout = std::chrono::hours(1);
  RunningGateway gateway(config);
  RawClient client(gateway.port());
  client.post("/v1/messages", client_headers(), kMessage);
  ASSERT_TRUE(eventually([&] { return fake->stats().holding == 1; }));  // upstream has it
  client.close();
  EXPECT_TRUE(eventually([&] { return fake->stats().client_disconnects == 1; }));
  EXPECT_EQ(fake->stats().messages, 1u);  // cancelled, not retried
}

TEST_F(PassthroughTest, KeepAliveCarriesSeveralRequests) {
  HttpConnection conn(gateway().base_url());
  for (int i = 0; i < 3; ++i) {
    auto r = conn.request("POST", "/v1/messages", client_headers(), i == 1 ? kStream : kMessage);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_TRUE(r.complete);
    EXPECT_TRUE(conn.is_open());
  }
}

// --- limits -------------------------------------------------------------------------

class LimitsTest : public GatewayFixture {
 protected:
  void SetUp() override {
    start([](Config& c) {
      anonymous(c);
      c.limits.max_body_bytes = 4096;
      c.limits.header_timeout = std::chrono::milliseconds(300);
      c.limits.body_timeout = std::chrono::milliseconds(300);
      c.limits.idle_timeout = std::chrono::milliseconds(300);
    });
  }
};

TEST_F(LimitsTest, SlowBodyIsCutOffAndNothingGoesUpstream) {
  RawClient c(gateway().port());
  // The whole header, then 9 of the 200 body bytes it announced, then nothing.
  c.send(
      "POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
      "content-length: 200\r\n\r\n{\"model\":");
  bool closed = false;
  auto got = c.read_all(closed);
  EXPECT_TRUE(closed) << "still open after body_timeout";
  EXPECT_EQ(got, "");  // a timed-out client gets no answer
  EXPECT_EQ(fake().stats().messages, 0u);
}

TEST_F(LimitsTest, IdleKeepAliveConnectionIsClosed) {
  RawClient c(gateway().port());
  c.send("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");  // keep-alive by default
  bool closed = false;
  auto got = c.read_all(closed);  // the answer, then the close once idle_timeout passed
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 ")) << got;
  EXPECT_EQ(got.find("connection: close"), std::string::npos) << got;  // kept alive at first
  EXPECT_TRUE(closed) << "an idle keep-alive connection outlived idle_timeout";
}

TEST_F(LimitsTest, OversizedBodyGets413AndNothingGoesUpstream) {
  std::string big =
      R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":")" +
      std::string(8000, 'a') + R"("}]})";
  auto r = http_request("POST", url("/v1/messages"), client_headers(), big);
  expect_error(r, 413, "request_too_large");
  EXPECT_EQ(fake().stats().messages, 0u);
}

TEST_F(LimitsTest, SlowHeadersAreCutOff) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), gateway().port()});
  std::string partial = "POST /v1/messages HTTP/1.1\r\nHost: x\r\n";  // and then nothing
  boost::asio::write(s, boost::asio::buffer(partial));
  char buf[256];
  boost::system::error_code ec;
  // The gateway closes the connection: the read ends with EOF, not with our data.
  s.read_some(boost::asio::buffer(buf), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
}

// --- TLS verification ------------------------------------------------------------------

TEST(UpstreamTls, WrongCaIsRefused) {
  RunningFake fake(shared_test_certificates());
  RunningGateway gateway(
      gateway_config(fake, shared_test_certificates().other_ca_cert_file().string()));
  auto r = http_request("POST", gateway.base_url() + "/v1/messages", client_headers(), kMessage);
  expect_error(r, 502, "api_error", "TLS");
  EXPECT_EQ(fake->stats().messages, 0u);
}

TEST(UpstreamTls, WrongHostNameIsRefused) {
  TestCertificates certs({"wrong.example"}, {});
  RunningFake fake(certs);
  RunningGateway gateway(gateway_config(fake, certs.ca_cert_file().string()));
  auto r = http_request("POST", gateway.base_url() + "/v1/messages", client_headers(), kMessage);
  expect_error(r, 502, "api_error", "TLS");
  EXPECT_EQ(fake->stats().messages, 0u);
}

TEST(Upstream, UnreachableIs502) {
  RunningFake fake;
  auto config = gateway_config(fake);
  config.upstream.base_url = "http://127.0.0.1:1";  // nothing listens there
  RunningGateway gateway(config);
  auto r = http_request("POST", gateway.base_url() + "/v1/messages", client_headers(), kMessage);
  expect_error(r, 502, "api_error", "unreachable");
}

TEST(Upstream, RejectedGatewayKeyIs502NotTheClients401) {
  fake::ServerOptions o;
  o.api_key = "the-real-upstream-key";
  RunningFake fake(o);
  RunningGateway gateway(gateway_config(fake, {}, "a-wrong-upstream-key"));
  auto r = http_request("POST", gateway.base_url() + "/v1/messages", client_headers(), kMessage);
  expect_error(r, 502, "api_error", "gateway upstream credentials rejected");
}

TEST(Upstream, StalledStreamEndsWithAnErrorEvent) {
  RunningFake fake;
  Fault stall;
  stall.kind = FaultKind::hold;
  stall.after_events = 2;
  fake->faults().add(stall);
  auto config = gateway_config(fake);
  config.upstream.stream_idle_timeout = std::chrono::milliseconds(300);
  RunningGateway gateway(config);
  auto r = http_request("POST", gateway.base_url() + "/v1/messages", client_headers(), kStream);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.complete);
  auto pos = r.body.rfind("event: error\n");
  ASSERT_NE(pos, std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("message_stop"), std::string::npos);
  EXPECT_TRUE(eventually([&] { return fake->stats().client_disconnects == 1; }));
}

// A keep-alive connection in the gateway's pool that upstream closed while idle (as the
// API does after a while) is noticed and replaced, not reported as a failure: with no
// retries configured, only the pool's own care can save the request.
TEST(Upstream, PooledConnectionClosedByUpstreamIsReplacedSafely) {
  RunningFake fake;
  auto config = gateway_config(fake);
  config.threads = 1;  // one worker, one pool: the second request takes the first's connection
  config.retry.max_retries = 0;
  RunningGateway gateway(config);
  auto url = gateway.base_url() + "/v1/messages";
  ASSERT_EQ(http_request("POST", url, client_headers(), kMessage).status, 200u);
  ASSERT_TRUE(eventually([&] { return fake->close_idle() == 1; }));  // pooled, then closed
  ASSERT_TRUE(eventually([&] { return fake->stats().connections == 1; }));
  auto r = http_request("POST", url, client_headers(), kMessage);
  EXPECT_EQ(r.status, 200u) << r.body;
  r = http_request("POST", url, client_headers(), kStream);
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("event: message_stop"), std::string::npos) << r.body;
  EXPECT_EQ(fake->stats().messages, 3u);
  EXPECT_EQ(fake->stats().connections, 2u);  // one replacement, then kept alive again
}

TEST(Upstream, HangingUpstreamTimesOutAs504) {
  RunningFake fake;
  Fault f;
  f.kind = FaultKind::hang;
  fake->faults().add(f);
  auto config = gateway_config(fake);
  config.upstream.response_timeout = std::chrono::milliseconds(300);
  config.retry.max_retries = 0;  // a timeout is retried otherwise, and the retry succeeds
  RunningGateway gateway(config);
  auto r = http_request("POST", gateway.base_url() + "/v1/messages", client_headers(), kMessage);
  expect_error(r, 504, "timeout_error");
}

// --- client keys -----------------------------------------------------------------------

TEST(ClientKeys, RequiredWhenConfiguredAndNeverForwarded) {
  RunningFake fake;
  auto config = gateway_config(fake);
  config.auth.keys = {{"billing", "billing-key-0123456789", {}},
                      {"search", "search-key-0123456789", {"claude-haiku-4-5"}}};
  RunningGateway gateway(config);
  auto url = gateway.base_url() + "/v1/messages";

  Headers none = {{"content-type", "application/json"}};
  expect_error(http_request("POST", url, none, kMessage), 401, "authentication_error");
  expect_error(http_request("POST", url, client_headers("wrong-key-0123456789"), kMessage), 401,
               "authentication_error");
  EXPECT_EQ(fake->stats().messages, 0u);

  EXPECT_EQ(http_request("POST", url, client_headers("billing-key-0123456789"), kMessage).status,
            200u);
  Headers bearer = {{"content-type", "application/json"},
                    {"authorization", "Bearer billing-key-0123456789"}};
  EXPECT_EQ(http_request("POST", url, bearer, kMessage).status, 200u);
  // A key limited to other models is refused before upstream.
  expect_error(http_request("POST", url, client_headers("search-key-0123456789"), kMessage), 403,
               "permission_error");
  for (const auto& req : fake->recorded()) {
    EXPECT_EQ(req.header("x-api-key"), "upstream-key-for-tests");
    EXPECT_EQ(req.header("authorization"), "");
  }
  EXPECT_EQ(fake->stats().messages, 2u);
}

// Issue 11, item 4: ANTHROPIC_BASE_URL pointed at the gateway itself made one request
// recurse about 400 times. The second hop sees the first hop's Via mark and answers 508,
// which the first hop relays without retrying it.
TEST(RequestLoopTest, AGatewayWhoseUpstreamIsItselfAnswers508AfterOneUpstreamAttempt) {
  std::uint16_t port = 0;
  {
    // A free port, so that the gateway can be given its own address as upstream.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor probe(
        ioc, {boost::asio::ip::make_address("127.0.0.1"), std::uint16_t(0)});
    port = probe.local_endpoint().port();
  }
  Config c;
  c.listen.host = "127.0.0.1";
  c.listen.port = port;
  c.threads = 2;
  c.upstream.base_url = "http://127.0.0.1:" + std::to_string(port);
  c.upstream.api_key = "upstream-key-for-tests";
  // Bounded, so that a gateway that loops fails this test rather than hanging it.
  c.upstream.response_timeout = std::chrono::milliseconds(3000);
  c.retry.initial_backoff = std::chrono::milliseconds(10);
  c.store.backend = "memory";
  RunningGateway gateway(std::move(c));

  auto r = http_request("POST", gateway.base_url() + "/v1/messages", client_headers(), kMessage);
  expect_error(r, 508, "api_error", "upstream.base_url points at the gateway itself");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "false");
  const auto metrics = http_request("GET", gateway.base_url() + "/metrics").body;
  EXPECT_NE(metrics.find("gateway_upstream_attempts_total{outcome=\"status_5xx\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("gateway_upstream_retries_total{"), std::string::npos) << metrics;
}

// --- shutdown ----------------------------------------------------------------------------

// The drain's grace (30 s) outlasts what the tests need: they hold upstream's stream and
// end it themselves, so nothing depends on how fast the machine is.
class Shutdown : public GatewayFixture {
 protected:
  Shutdown() : GatewayFixture(Upstream::plain) {}
  void SetUp() override {
    start([](Config& c) {
      anonymous(c);
      c.shutdown.grace = std::chrono::seconds(30);
    });
  }
  // Upstream sends `events` events of the next stream, then holds it until released.
  void hold_stream_after(std::size_t events) {
    Fault hold = fault(FaultKind::hold);
    hold.after_events = events;
    fake().faults().add(hold);
  }
  // A streamed request on its own connection, sent from another thread.
  std::future<HttpResult> stream_in_background() {
    return std::async(std::launch::async, [target = url("/v1/messages")] {
      return http_request("POST", target, client_headers(), kStream);
    });
  }
};

// A stream running when the drain begins finishes: upstream holds it until the drain has
// begun, then lets it end, well within the grace.
TEST_F(Shutdown, RunningStreamFinishesWithinGrace) {
  hold_stream_after(2);
  auto client = stream_in_background();
  const bool held = eventually([&] { return fake().stats().holding == 1; });
  auto draining = begin_drain();
  fake().release();
  auto r = client.get();
  draining.get();
  ASSERT_TRUE(held) << "upstream never held the stream";
  EXPECT_TRUE(r.complete);
  EXPECT_NE(r.body.find("event: message_stop"), std::string::npos) << r.body;
  EXPECT_EQ(r.body, fake().recorded().back().response_body);
}

// While the gateway drains, a request that arrives on a connection it already had is
// refused with 503 (nothing goes upstream), /readyz says 503, and the running stream
// finishes; new connections are not accepted.
TEST_F(Shutdown, DrainingRefusesNewRequestsAndReadyzSays503) {
  hold_stream_after(1);
  const auto port = gateway().port();
  auto stream = stream_in_background();
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));

  // Two requests whose heads the gateway has read before the drain begins: each asked for
  // 100 Continue, which the gateway sends once it holds the head and waits for the body.
  RawClient ready(port);
  ready.send(
      "GET /readyz HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\nexpect: 100-continue\r\n\r\n");
  ASSERT_NE(ready.read_until("\r\n\r\n").find("100 Continue"), std::string::npos);
  RawClient late(port);
  late.send(
      "POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
      "x-api-key: k\r\nexpect: 100-continue\r\ncontent-length: " +
      std::to_string(kMessage.size()) + "\r\n\r\n");
  ASSERT_NE(late.read_until("\r\n\r\n").find("100 Continue"), std::string::npos);

  auto draining = begin_drain();
  ready.send("x");  // the bodies, now that the gateway drains
  late.send(kMessage);
  bool closed = false;
  auto readyz = ready.read_all(closed);
  EXPECT_TRUE(readyz.starts_with("HTTP/1.1 503 ")) << readyz;
  EXPECT_TRUE(closed);
  auto refused = late.read_all(closed);
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503 ")) << refused;
  EXPECT_NE(refused.find("overloaded_error"), std::string::npos) << refused;
  EXPECT_TRUE(closed);
  EXPECT_EQ(fake().stats().messages, 1u);  // only the running stream went upstream

  fake().release();
  auto r = stream.get();
  EXPECT_TRUE(r.complete);
  EXPECT_NE(r.body.find("event: message_stop"), std::string::npos) << r.body;
  draining.get();
}

// During a drain, a request pipelined behind a running one on the same connection is
// answered 503 with `connection: close` once the running one has finished, not dropped
// with the connection (a client could not tell whether it was acted on).
TEST_F(Shutdown, APipelinedRequestBehindARunningOneGets503) {
  hold_stream_after(1);
  RawClient client(gateway().port());
  // One write: the second request is at the gateway before the first is answered.
  client.send(RawClient::post_bytes("/v1/messages", client_headers(), kStream) +
              RawClient::post_bytes("/v1/messages", client_headers(), kMessage));
  const bool held = eventually([&] { return fake().stats().holding == 1; });
  auto draining = begin_drain();
  fake().release();
  bool closed = false;
  const auto got = client.read_all(closed);
  draining.get();
  ASSERT_TRUE(held) << "upstream never held the stream";
  const auto second = got.find("HTTP/1.1 ", 1);
  ASSERT_NE(second, std::string::npos) << "one answer only:\n" << got;
  const auto first = got.substr(0, second);
  const auto refused = got.substr(second);
  EXPECT_TRUE(first.starts_with("HTTP/1.1 200 ")) << first;
  EXPECT_NE(first.find("event: message_stop"), std::string::npos) << first;
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503 ")) << refused;
  auto head = refused.substr(0, refused.find("\r\n\r\n") + 2);  // each line ends in CRLF
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  EXPECT_NE(head.find("\r\nconnection: close\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nretry-after: 1\r\n"), std::string::npos) << head;
  auto body = parse_object(refused.substr(head.size() + 2));
  EXPECT_EQ(body["type"], "error");
  EXPECT_EQ(body["error"].at("type"), "overloaded_error");
  EXPECT_TRUE(body["request_id"].as_string().starts_with("req_"));
  EXPECT_TRUE(closed);
  EXPECT_EQ(fake().stats().messages, 1u);  // the refused request never went upstream
}

}  // namespace
}  // namespace gw::test
