// Issue 5 end to end: retries, the admission queue, the shared cooldown, fairness and
// /metrics, against the fake's scripted faults. Delays are short and configured; nothing
// is timed: the waits are checked on the retry decisions the dispatcher records (jitter
// fixed at 0), the attempts on what the fake received.

#include "support/eventually.hpp"
#include "support/expect_error.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/raw_client.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gw::test {
namespace {

namespace json = boost::json;
using fake::Fault;
using fake::FaultKind;
using namespace std::chrono_literals;

std::string message(std::string_view text, bool stream = false) {
  return std::string(R"({"model":"claude-sonnet-4-5","max_tokens":64,)") +
         (stream ? R"("stream":true,)" : "") + R"("messages":[{"role":"user","content":")" +
         std::string(text) + R"("}]})";
}

Fault status_fault(unsigned status, std::size_t count = 1) {
  Fault f;
  f.kind = FaultKind::status;
  f.status = status;
  f.count = count;
  return f;
}

// Adds an answer's usage: a JSON message's `usage`, or a stream's message_start input and
// its last message_delta output (cumulative, as upstream sends it).
void add_usage(const std::string& body, std::uint64_t& input, std::uint64_t& output) {
  auto number = [](const json::value* v) -> std::uint64_t {
    return v && v->is_number() ? v->to_number<std::uint64_t>() : 0;
  };
  if (!body.starts_with("event:")) {
    auto o = parse_object(body);
    input += number(o["usage"].as_object().if_contains("input_tokens"));
    output += number(o["usage"].as_object().if_contains("output_tokens"));
    return;
  }
  std::uint64_t stream_out = 0;
  for (std::size_t p = 0; (p = body.find("data: ", p)) != std::string::npos;) {
    p += 6;
    auto ev = parse_object(body.substr(p, body.find('\n', p) - p));
    if (ev["type"] == "message_start") {
      input += number(ev["message"].at("usage").as_object().if_contains("input_tokens"));
    } else if (ev["type"] == "message_delta") {
      stream_out = number(ev["usage"].as_object().if_contains("output_tokens"));
    }
  }
  output += stream_out;
}

class QueueRetryTest : public GatewayFixture {
 protected:
  QueueRetryTest() : GatewayFixture(Upstream::plain) {}

  void start(const Tweak& tweak = {}) {
    GatewayFixture::start([&](Config& c) {
      c.retry.initial_backoff = 20ms;
      c.retry.max_backoff = 500ms;
      if (tweak) tweak(c);
    });
    UpstreamDispatcher::RetryHooks hooks;
    hooks.jitter = [] { return 0.0; };
    hooks.on_decision = [this](const RetryDecision& d) {
      std::lock_guard lock(decisions_mutex_);
      decisions_.push_back(d);
    };
    gateway().gateway().dispatcher().set_retry_hooks(std::move(hooks));
  }
  // Every retry decision so far, in order.
  std::vector<RetryDecision> decisions() {
    std::lock_guard lock(decisions_mutex_);
    return decisions_;
  }
  HttpResult post(std::string_view body, std::string_view key = kKeyA) {
    return call("POST", "/v1/messages", body, key);
  }

  std::mutex decisions_mutex_;
  std::vector<RetryDecision> decisions_;
};

// Issue 11: the last 529 goes to the client as upstream sent it, so that an SDK raises
// its overloaded error, and says not to retry, so that the SDK does not multiply the
// attempts.
TEST_F(QueueRetryTest, OverloadedOnEveryAttemptRelaysTheLast529AfterAllAttemptsSpacedByBackoff) {
  start([](Config& c) {
    c.retry.max_retries = 3;
    c.retry.initial_backoff = 40ms;
    c.retry.multiplier = 2;
  });
  fake().faults().add(status_fault(529, 10));
  auto r = post(message("hello"));
  expect_error(r, 529, "overloaded_error");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "false");  // upstream said true
  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 4u);                    // 1 + max_retries
  EXPECT_EQ(r.body, sent.back().response_body);  // the last attempt's body, byte for byte
  // Backoff k is 40ms * 2^k (jitter fixed at 0), then the attempts are spent.
  auto d = decisions();
  ASSERT_EQ(d.size(), 4u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(d[k].action, RetryDecision::Action::retry) << k;
    EXPECT_EQ(d[k].delay.count(), 40 << k) << k;
    EXPECT_EQ(d[k].outcome, "status_529") << k;
  }
  EXPECT_EQ(d[3].action, RetryDecision::Action::relay);
  auto m = metrics();
  EXPECT_NE(m.find("gateway_upstream_attempts_total{outcome=\"status_529\"} 4"), std::string::npos)
      << m;
  EXPECT_NE(m.find("gateway_upstream_retries_total{reason=\"status_529\"} 3"), std::string::npos)
      << m;
}

TEST_F(QueueRetryTest, ShouldRetryFalseOn500IsRelayedAtOnce) {
  start();
  Fault f = status_fault(500);
  f.should_retry = false;
  fake().faults().add(f);
  auto r = post(message("hello"));
  expect_error(r, 500, "api_error");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "false");
  EXPECT_EQ(fake().recorded().size(), 1u);
}

TEST_F(QueueRetryTest, RetryAfterMsIsObeyed) {
  start();  // backoff alone would wait 20ms at most
  Fault f = status_fault(503);
  f.retry_after_ms = 200;
  fake().faults().add(f);
  auto r = post(message("hello"));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 2u);
  auto d = decisions();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].action, RetryDecision::Action::retry);
  EXPECT_EQ(d[0].delay.count(), 200);  // upstream's wait, not the 20ms backoff
  ASSERT_TRUE(d[0].hint);
  EXPECT_FALSE(d[0].hint->capped);
  EXPECT_EQ(d[1].action, RetryDecision::Action::relay);
}

TEST_F(QueueRetryTest, TransportFailureIsRetried) {
  start();
  Fault f;
  f.kind = FaultKind::drop_before_response;
  fake().faults().add(f);
  auto r = post(message("hello"));
  ASSERT_EQ(r.status, 200u) << r.body;
  // The drop did happen: the first attempt got no answer, the second is what came back.
  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].response_status, 0u);
  EXPECT_EQ(sent[1].response_status, 200u);
  EXPECT_EQ(r.body, sent[1].response_body);
  EXPECT_EQ(fake().faults().pending(), 0u);
  auto d = decisions();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].action, RetryDecision::Action::retry);
  EXPECT_EQ(d[0].outcome, "transport_error");
  EXPECT_EQ(d[1].action, RetryDecision::Action::relay);
}

TEST_F(QueueRetryTest, GarbageSuccessIsRetriedThenA502) {
  start();
  Fault f;
  f.kind = FaultKind::garbage;
  fake().faults().add(f);
  auto r = post(message("hello"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(parse_object(r.body)["type"], "message");
  EXPECT_EQ(fake().recorded().size(), 2u);

  f.count = 10;
  fake().faults().add(f);
  r = post(message("hello"));
  expect_error(r, 502, "api_error");
  EXPECT_EQ(fake().recorded().size(), 2u + 3u);  // 1 + max_retries (2)
}

TEST_F(QueueRetryTest, UpstreamRateLimitAfterAllRetriesIsRelayed) {
  start([](Config& c) { c.retry.max_retries = 1; });
  Fault f = status_fault(429, 5);
  f.retry_after = 1;
  f.retry_after_ms = 10;
  fake().faults().add(f);
  auto r = post(message("hello"));
  expect_error(r, 429, "rate_limit_error");
  EXPECT_EQ(r.header("retry-after").value_or(""), "1");
  EXPECT_EQ(r.header("x-should-retry").value_or(""), "false");
  EXPECT_EQ(fake().recorded().size(), 2u);
}

TEST_F(QueueRetryTest, ServerErrorsAfterAllRetriesRelayUpstreamsLastStatus) {
  start();
  for (unsigned code : {500u, 502u, 503u, 504u}) {
    const auto before = fake().recorded().size();
    fake().faults().add(status_fault(code, 3));
    auto r = post(message("hello"));
    EXPECT_EQ(r.status, code) << r.body;
    EXPECT_EQ(r.header("x-should-retry").value_or(""), "false") << code;
    auto sent = fake().recorded();
    ASSERT_EQ(sent.size(), before + 3) << code;  // 1 + max_retries (2)
    EXPECT_EQ(r.body, sent.back().response_body) << code;
  }
}

TEST_F(QueueRetryTest, OverloadedFirstStreamEventOnEveryAttemptIsRelayedAsUpstreamSentIt) {
  start();
  Fault f;
  f.kind = FaultKind::stream_error;
  f.after_events = 0;
  f.count = 3;
  fake().faults().add(f);
  auto r = post(message("hello", true));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("event: error"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("overloaded_error"), std::string::npos) << r.body;
  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(r.body, sent.back().response_body);
}

// Issue 9, finding 4: `retry-after: 100000` made the gateway relay the 429 (the wait was
// past the deadline) and pause every key for 28 hours. Capped, the retry comes after
// max_retry_after, succeeds, the pause is over for everyone, and the cap is counted.
TEST_F(QueueRetryTest, AbsurdRetryAfterIsCappedRetriedAndCounted) {
  start([](Config& c) { c.retry.max_retry_after = 1s; });
  Fault f = status_fault(429);
  f.retry_after = 100000;
  fake().faults().add(f);
  auto r = post(message("hello"));
  ASSERT_FALSE(r.error) << r.error.message();
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(fake().recorded().size(), 2u);
  auto d = decisions();
  ASSERT_GE(d.size(), 1u);
  EXPECT_EQ(d[0].action, RetryDecision::Action::retry);
  EXPECT_EQ(d[0].delay.count(), 1000);  // max_retry_after, not 100000 s
  ASSERT_TRUE(d[0].hint);
  EXPECT_TRUE(d[0].hint->capped);
  EXPECT_EQ(post(message("hello"), kKeyB).status, 200u);  // the cooldown did not outlast it
  auto m = metrics();
  EXPECT_NE(m.find("gateway_upstream_retry_after_capped_total 1\n"), std::string::npos) << m;
}

// Issue 9, finding 7: a stream that upstream closes right after its 200 head waited for
// stream_idle_timeout (an hour here) before the retry. The client's own timeout turns
// that stall into a failure instead of a hang.
TEST_F(QueueRetryTest, StreamClosedRightAfterItsHeadIsRetriedAtOnce) {
  start([](Config& c) { c.upstream.stream_idle_timeout = 1h; });
  Fault f;
  f.kind = FaultKind::drop_after_headers;
  fake().faults().add(f);
  ClientOptions o;
  o.timeout = 20s;
  auto r = http_request("POST", url("/v1/messages"), client_headers(), message("hello", true), o);
  ASSERT_FALSE(r.error) << r.error.message();
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.complete);
  EXPECT_NE(r.body.find("event: message_stop"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("event: error"), std::string::npos) << r.body;
  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(r.body, sent.back().response_body);
}

// The same for a JSON answer: its head, then EOF before a byte of body.
TEST_F(QueueRetryTest, JsonAnswerClosedRightAfterItsHeadIsRetriedAtOnce) {
  start([](Config& c) {
    c.upstream.stream_idle_timeout = 1h;
    c.upstream.response_timeout = 1h;
  });
  Fault f;
  f.kind = FaultKind::drop_after_headers;
  fake().faults().add(f);
  ClientOptions o;
  o.timeout = 20s;
  auto r = http_request("POST", url("/v1/messages"), client_headers(), message("hello"), o);
  ASSERT_FALSE(r.error) << r.error.message();
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(parse_object(r.body)["type"], "message") << r.body;
  EXPECT_EQ(fake().recorded().size(), 2u);
}

TEST_F(QueueRetryTest, StreamDroppedBeforeFirstEventIsRetriedTransparently) {
  start();
  Fault f;
  f.kind = FaultKind::drop_mid_stream;
  f.after_events = 0;
  fake().faults().add(f);
  auto r = post(message("hello", true));
  ASSERT_FALSE(r.error) << r.error.message();
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.complete);
  EXPECT_NE(r.body.find("event: message_stop"), std::string::npos);
  EXPECT_EQ(r.body.find("event: error"), std::string::npos);
  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(r.body, sent.back().response_body);  // exactly the second attempt's stream
}

TEST_F(QueueRetryTest, OverloadedErrorAsFirstStreamEventIsRetried) {
  start();
  Fault f;
  f.kind = FaultKind::stream_error;
  f.after_events = 0;
  fake().faults().add(f);
  auto r = post(message("hello", true));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("event: message_stop"), std::string::npos);
  EXPECT_EQ(r.body.find("overloaded_error"), std::string::npos);
  EXPECT_EQ(fake().recorded().size(), 2u);
}

TEST_F(QueueRetryTest, StreamDroppedAfterFirstEventEndsWithErrorEvent) {
  start();
  Fault f;
  f.kind = FaultKind::drop_mid_stream;
  f.after_events = 2;
  fake().faults().add(f);
  auto r = post(message("hello", true));
  ASSERT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("event: message_start"), std::string::npos);
  EXPECT_NE(r.body.find("event: error"), std::string::npos);
  EXPECT_EQ(fake().recorded().size(), 1u);  // too late to retry
}

TEST_F(QueueRetryTest, FullQueueIs429WithRetryAfterAndNothingGoesUpstream) {
  start([](Config& c) {
    c.queue.max_concurrency = 1;
    c.queue.max_depth = 1;
  });
  Fault hold;
  hold.kind = FaultKind::hold;
  hold.count = 2;
  fake().faults().add(hold);
  // Futures, not threads: a failed assertion below must not leave a joinable thread.
  auto first = std::async(std::launch::async, [&] { return post(message("one")).status; });
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));  // in flight
  auto second = std::async(std::launch::async, [&] { return post(message("two")).status; });
  ASSERT_TRUE(eventually([&] { return queue().depth() == 1; }));
  auto r = post(message("three"));
  expect_error(r, 429, "rate_limit_error");
  EXPECT_GE(std::stoi(r.header("retry-after").value_or("0")), 1);
  EXPECT_EQ(fake().release(), 1u);
  ASSERT_TRUE(eventually([&] { return fake().stats().holds == 2; }));  // "two" went up
  EXPECT_EQ(fake().release(), 1u);
  EXPECT_EQ(first.get(), 200u);
  EXPECT_EQ(second.get(), 200u);
  auto sent = fake().recorded();
  EXPECT_EQ(sent.size(), 2u);
  for (const auto& s : sent) EXPECT_EQ(s.body.find("three"), std::string::npos);
  EXPECT_NE(metrics().find("gateway_queue_rejected_total{reason=\"full\"} 1"), std::string::npos);
}

TEST_F(QueueRetryTest, RateLimitStormPausesEveryoneThenAllSucceed) {
  // Four calls in flight (max_concurrency) are held by upstream and then all answered 429
  // with retry-after: 1; the other 46 wait in the queue. The first 429 pauses dispatch for
  // everyone: no queued call may go up until the cooldown ends, and then all succeed.
  start([](Config& c) { c.queue.max_concurrency = 4; });
  Fault storm = status_fault(429, 4);
  storm.retry_after = 1;
  storm.hold = true;
  fake().faults().add(storm);
  constexpr int kClients = 50;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto r = post(message("client " + std::to_string(i)));
      if (r.status == 200) ++ok;
    });
  }
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 4; }));
  ASSERT_TRUE(eventually([&] { return queue().depth() == kClients - 4; }));
  EXPECT_EQ(fake().release(), 4u);
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients);
  auto sent = fake().recorded();
  std::size_t limited = 0;
  std::map<std::string, int> per_client;
  for (const auto& s : sent) {
    if (s.response_status == 429) {
      ++limited;
      per_client[s.body] += 1;
    }
  }
  EXPECT_EQ(limited, 4u);  // only the held four: nothing went up during the cooldown
  EXPECT_EQ(per_client.size(), 4u);
  EXPECT_EQ(sent.size(), kClients + limited);
  auto m = metrics();
  EXPECT_NE(m.find("gateway_upstream_cooldowns_total "), std::string::npos) << m;
  EXPECT_EQ(m.find("gateway_upstream_cooldowns_total 0\n"), std::string::npos) << m;
}

TEST_F(QueueRetryTest, RoundRobinServesTheSmallKeyBetweenTheFloodersRequests) {
  start([](Config& c) {
    c.queue.max_concurrency = 1;
    c.queue.max_depth = 1000;
  });
  // Upstream holds A's first request, so that everything else lines up in the queue: A's
  // flood first, then B's five. The order they then go upstream in is the queue's alone.
  Fault first;
  first.kind = FaultKind::hold;
  fake().faults().add(first);
  constexpr std::size_t kFlood = 50;
  constexpr std::size_t kSmall = 5;
  std::atomic<int> failures{0};
  auto client = [&](std::string_view who, std::string_view key) {
    if (post(message(who), key).status != 200) ++failures;
  };
  std::vector<std::thread> threads;
  threads.emplace_back(client, "A", kKeyA);
  const bool held = eventually([&] { return fake().stats().holding == 1; });
  for (std::size_t i = 1; i < kFlood; ++i) threads.emplace_back(client, "A", kKeyA);
  const bool flood_queued = eventually([&] { return queue().depth() == kFlood - 1; });
  for (std::size_t i = 0; i < kSmall; ++i) threads.emplace_back(client, "B", kKeyB);
  const bool all_queued = eventually([&] { return queue().depth() == kFlood - 1 + kSmall; });
  fake().release();
  for (auto& t : threads) t.join();
  ASSERT_TRUE(held && flood_queued && all_queued)
      << held << flood_queued << all_queued << " depth " << queue().depth();
  EXPECT_EQ(failures.load(), 0);
  // In the order upstream received them: how many of A's went before B's last.
  auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), kFlood + kSmall);
  std::size_t a_seen = 0, b_seen = 0, a_before_last_b = 0;
  for (const auto& s : sent) {
    const bool from_b = s.body.find(R"("content":"B")") != std::string::npos;
    if (!from_b) ++a_seen;
    if (from_b && ++b_seen == kSmall) a_before_last_b = a_seen;
  }
  // Taking turns: the held one, then A and B alternately, so B's last goes up after six of
  // A's (a little slack for where the turn starts); first come, first served: after fifty.
  EXPECT_LE(a_before_last_b, kSmall + 2) << "B waited behind A's flood";
}

TEST_F(QueueRetryTest, MetricsEndpointShowsRequestsQueueAndTokens) {
  start();
  ASSERT_EQ(post(message("hello")).status, 200u);
  ASSERT_EQ(post(message("hello", true)).status, 200u);
  // A request is counted once its response is written, which the client may see first.
  const std::string done = "gateway_requests_total{route=\"messages\",status=\"200\"} 2";
  ASSERT_TRUE(eventually([&] { return metrics().find(done) != std::string::npos; }));
  auto r = http_request("GET", url("/metrics"));
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  // The token counters hold what upstream's two answers said they used.
  std::uint64_t input = 0, output = 0;
  for (const auto& s : fake().recorded()) add_usage(s.response_body, input, output);
  ASSERT_GT(input, 0u);
  ASSERT_GT(output, 0u);
  const std::string tokens_in =
      "gateway_tokens_total{direction=\"input\"} " + std::to_string(input) + "\n";
  const std::string tokens_out =
      "gateway_tokens_total{direction=\"output\"} " + std::to_string(output) + "\n";
  for (std::string_view want :
       {std::string_view("gateway_upstream_attempts_total{outcome=\"ok\"} 2"),
        std::string_view("# TYPE gateway_queue_depth gauge"),
        std::string_view("gateway_queue_wait_seconds_count 2"),
        std::string_view("gateway_active_streams 0"), std::string_view(tokens_out),
        std::string_view(tokens_in), std::string_view("gateway_upstream_in_flight 0"),
        std::string_view("gateway_request_duration_seconds_bucket")}) {
    EXPECT_NE(r.body.find(want), std::string::npos) << want << "\n" << r.body;
  }
}

// Issue 17: gateway_overhead_seconds is what the gateway itself took of a request, its
// duration less its waits on the queue and on upstream. Upstream takes a second here (the
// fake's `slow` fault), and a 529 first adds a retry pause: the request lasts over a
// second, its overhead is small (the bound is loose: no timing is judged, only which
// waits are left out).
TEST_F(QueueRetryTest, OverheadLeavesOutTheWaitOnUpstreamAndItsRetryPause) {
  start([](Config& c) { c.retry.initial_backoff = 300ms; });
  fake().faults().add(status_fault(529));
  Fault slow;
  slow.kind = FaultKind::slow;
  slow.delay = 1000ms;
  fake().faults().add(slow);
  ASSERT_EQ(post(message("hello")).status, 200u);
  const std::string done = "gateway_requests_total{route=\"messages\",status=\"200\"} 1";
  ASSERT_TRUE(eventually([&] { return metrics().find(done) != std::string::npos; }));
  const auto m = metrics();
  for (std::string_view want :
       {std::string_view(
            "gateway_request_duration_seconds_bucket{route=\"messages\",le=\"1\"} 0\n"),
        std::string_view("gateway_overhead_seconds_bucket{route=\"messages\",le=\"0.1\"} 1\n"),
        std::string_view("gateway_overhead_seconds_count{route=\"messages\"} 1\n")}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m;
  }
}

// A client that leaves while its request waits for admission cancels that wait: its place
// in the queue is given back at once, and it never goes upstream.
TEST_F(QueueRetryTest, AClientThatLeavesWhileQueuedGivesUpItsPlaceAndNothingGoesUpstream) {
  start([](Config& c) {
    c.queue.max_concurrency = 1;
    c.queue.max_depth = 4;
  });
  Fault hold;
  hold.kind = FaultKind::hold;
  fake().faults().add(hold);
  auto first = std::async(std::launch::async, [&] { return post(message("one")).status; });
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  RawClient leaving(gateway().port());
  leaving.post("/v1/messages", client_headers(), message("two"));
  ASSERT_TRUE(eventually([&] { return queue().depth() == 1; }));
  leaving.close();
  EXPECT_TRUE(eventually([&] { return queue().depth() == 0; }));
  EXPECT_EQ(fake().release(), 1u);
  EXPECT_EQ(first.get(), 200u);
  const auto sent = fake().recorded();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].body.find("one"), std::string::npos);
}

// A client that leaves while the gateway pauses before a retry ends the request then,
// not after the pause, and the retry is never sent.
TEST_F(QueueRetryTest, AClientThatLeavesDuringARetryPauseIsNotRetried) {
  start([](Config& c) {
    c.retry.initial_backoff = 60s;  // within retry.deadline: the retry is decided
    c.retry.max_backoff = 60s;
  });
  fake().faults().add(status_fault(529));
  RawClient leaving(gateway().port());
  leaving.post("/v1/messages", client_headers(), message("hello"));
  ASSERT_TRUE(eventually([&] { return decisions().size() == 1; }));
  ASSERT_EQ(decisions()[0].action, RetryDecision::Action::retry);  // the pause began
  leaving.close();
  EXPECT_TRUE(eventually([&] {
    return metrics().find("gateway_requests_total{route=\"messages\"") != std::string::npos;
  }));
  EXPECT_EQ(fake().stats().messages, 1u);
  EXPECT_EQ(decisions().size(), 1u);
}

}  // namespace
}  // namespace gw::test
