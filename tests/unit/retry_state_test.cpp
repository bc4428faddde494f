// The retry state machine, every outcome, with a fake clock and a fixed jitter: no
// sockets, no timers, no wall clock.

#include "server/upstream/retry_state.hpp"

#include <gtest/gtest.h>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

namespace gw {
namespace {

using namespace std::chrono_literals;
using Action = RetryDecision::Action;
using Stream = AttemptOutcome::StreamStart;
namespace http = boost::beast::http;

class RetryStateTest : public ::testing::Test {
 protected:
  RetryStateTest() {
    config.max_retries = 2;
    config.initial_backoff = 100ms;
    config.max_backoff = 1000ms;
    config.multiplier = 2;
    config.deadline = 10s;
    config.max_retry_after = 5s;
  }

  // A fresh sequence started at the fake clock's start.
  RetryState machine(Replay replay = Replay::safe) {
    return RetryState(
        config, started,
        [this] {
          ++jitter_calls;
          return jitter;
        },
        replay);
  }
  RetryState::Now at(Millis since_start = 0ms) const {
    return {started + since_start, system_now + since_start};
  }

  static AttemptOutcome status(unsigned s, std::string should_retry = "") {
    AttemptOutcome o;
    o.status = s;
    o.should_retry = std::move(should_retry);
    return o;
  }
  static AttemptOutcome send_failed(boost::system::error_code ec, bool client_gone = false) {
    AttemptOutcome o;
    o.send_error = ec;
    o.client_gone = client_gone;
    return o;
  }
  static AttemptOutcome stream(Stream start, boost::system::error_code ec = {}) {
    AttemptOutcome o = status(200);
    o.stream = start;
    o.stream_error = ec;
    return o;
  }

  Config::Retry config;
  const std::chrono::steady_clock::time_point started{std::chrono::hours(1000)};
  // 1994-11-06 08:49:37 GMT, for HTTP-date hints.
  const std::chrono::system_clock::time_point system_now =
      std::chrono::system_clock::from_time_t(784111777);
  double jitter = 0.5;  // takes 12.5% off every backoff
  int jitter_calls = 0;
};

TEST_F(RetryStateTest, EachRetryableStatusIsRetriedAfterAJitteredBackoff) {
  const std::pair<unsigned, const char*> cases[] = {
      {408, "status_4xx"}, {409, "status_4xx"}, {429, "status_429"}, {500, "status_5xx"},
      {502, "status_5xx"}, {503, "status_5xx"}, {504, "status_5xx"}, {529, "status_529"}};
  for (const auto& [code, label] : cases) {
    auto m = machine();
    auto d = m.on_attempt(status(code), at());
    EXPECT_EQ(d.action, Action::retry) << code;
    EXPECT_EQ(d.delay, 87ms) << code;  // 100ms less 12.5%, truncated
    EXPECT_EQ(d.outcome, label) << code;
    EXPECT_EQ(d.attempts, 1) << code;
    EXPECT_FALSE(d.error) << code;
  }
}

TEST_F(RetryStateTest, OtherStatusesAreRelayedAtOnce) {
  for (unsigned code : {200u, 201u, 400u, 403u, 404u, 413u, 422u, 501u}) {
    auto m = machine();
    auto d = m.on_attempt(status(code), at());
    EXPECT_EQ(d.action, Action::relay) << code;
    EXPECT_FALSE(d.error) << code;
    EXPECT_FALSE(d.abort_call) << code;
  }
  auto m = machine();
  EXPECT_EQ(m.on_attempt(status(200), at()).outcome, "ok");
  EXPECT_EQ(jitter_calls, 0);
}

TEST_F(RetryStateTest, Upstream401GivesUpWithTheGatewayCredentialsError) {
  auto m = machine();
  auto d = m.on_attempt(status(401, "true"), at());  // not even upstream's say retries it
  EXPECT_EQ(d.action, Action::give_up);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->status, http::status::bad_gateway);
  EXPECT_EQ(d.error->message, "gateway upstream credentials rejected");
  EXPECT_TRUE(d.abort_call);
  EXPECT_EQ(d.outcome, "status_4xx");
}

TEST_F(RetryStateTest, ShouldRetryFalseRelaysARetryableStatus) {
  for (unsigned code : {429u, 500u, 503u, 529u}) {
    auto m = machine();
    auto d = m.on_attempt(status(code, "false"), at());
    EXPECT_EQ(d.action, Action::relay) << code;
    EXPECT_FALSE(d.error) << code;
  }
}

TEST_F(RetryStateTest, ShouldRetryTrueRetriesAStatusThatIsNotRetryable) {
  auto m = machine();
  auto d = m.on_attempt(status(400, "true"), at());
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.delay, 87ms);
  // Anything but "true"/"false" says nothing: the status decides.
  auto n = machine();
  EXPECT_EQ(n.on_attempt(status(400, "yes"), at()).action, Action::relay);
  auto o = machine();
  EXPECT_EQ(o.on_attempt(status(503, "maybe"), at()).action, Action::retry);
}

TEST_F(RetryStateTest, BackoffGrowsByTheMultiplierUpToItsCapWithJitterTakenEachTime) {
  config.max_retries = 5;
  jitter = 0;
  auto m = machine();
  std::vector<Millis> delays;
  for (int i = 0; i < 5; ++i) {
    auto d = m.on_attempt(status(503), at(Millis(100 * i)));
    ASSERT_EQ(d.action, Action::retry) << i;
    delays.push_back(d.delay);
  }
  EXPECT_EQ(delays, (std::vector<Millis>{100ms, 200ms, 400ms, 800ms, 1000ms}));
  EXPECT_EQ(jitter_calls, 5);

  jitter = 0.999;  // at most 25% off
  auto j = machine();
  EXPECT_EQ(j.on_attempt(status(503), at()).delay, 75ms);
}

TEST_F(RetryStateTest, RetryAfterMsIsObeyedInsteadOfTheBackoff) {
  auto m = machine();
  auto o = status(503);
  o.retry_after_ms = "250";
  o.retry_after = "3";  // retry-after-ms wins
  auto d = m.on_attempt(o, at());
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.delay, 250ms);
  ASSERT_TRUE(d.hint);
  EXPECT_FALSE(d.hint->capped);
  EXPECT_EQ(jitter_calls, 0);  // no jitter on upstream's own wait
}

TEST_F(RetryStateTest, RetryAfterSecondsIsObeyed) {
  auto m = machine();
  auto o = status(429);
  o.retry_after = "2";
  auto d = m.on_attempt(o, at());
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.delay, 2000ms);
}

TEST_F(RetryStateTest, RetryAfterHttpDateIsCountedFromTheInjectedNow) {
  auto m = machine();
  auto o = status(529);
  o.retry_after = "Sun, 06 Nov 1994 08:49:40 GMT";
  auto d = m.on_attempt(o, at());
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.delay, 3000ms);
  // The same date one second later on the fake clock: one second less to wait.
  auto n = machine();
  EXPECT_EQ(n.on_attempt(o, at(1000ms)).delay, 2000ms);
}

TEST_F(RetryStateTest, RetryAfterAboveTheCapWaitsTheCapAndSaysSo) {
  for (auto [ms, seconds] : {std::pair<const char*, const char*>{"", "100000"},
                             {"1e300", ""},
                             {"", "Fri, 31 Dec 9999 23:59:59 GMT"}}) {
    auto m = machine();
    auto o = status(429);
    o.retry_after_ms = ms;
    o.retry_after = seconds;
    auto d = m.on_attempt(o, at());
    EXPECT_EQ(d.action, Action::retry) << ms << seconds;
    EXPECT_EQ(d.delay, 5000ms) << ms << seconds;
    ASSERT_TRUE(d.hint);
    EXPECT_TRUE(d.hint->capped);
  }
}

TEST_F(RetryStateTest, AHintIsReportedEvenWhenTheAnswerIsRelayed) {
  auto m = machine();
  auto o = status(200);
  o.retry_after = "1";
  auto d = m.on_attempt(o, at());
  EXPECT_EQ(d.action, Action::relay);
  ASSERT_TRUE(d.hint);
  EXPECT_EQ(d.hint->wait, 1000ms);
}

// API.md section 1: once the retries are spent, upstream's own last answer goes to the
// client as it is (a 529 stays a 529, a 429 keeps its retry-after), so that an SDK on top
// classifies it as it would against upstream.
TEST_F(RetryStateTest, ExhaustedOnAnUpstreamStatusRelaysUpstreamsLastAnswer) {
  for (auto o : {status(529), status(500), status(502), status(503), status(408), status(504),
                 status(429), status(409), status(400, "true")}) {
    auto m = machine();
    EXPECT_EQ(m.on_attempt(o, at()).action, Action::retry) << o.status;
    EXPECT_EQ(m.on_attempt(o, at(100ms)).action, Action::retry) << o.status;
    auto d = m.on_attempt(o, at(300ms));  // 1 + max_retries
    EXPECT_EQ(d.action, Action::relay) << o.status;
    EXPECT_EQ(d.attempts, 3) << o.status;
    EXPECT_FALSE(d.error) << o.status;
    EXPECT_FALSE(d.abort_call) << o.status;
  }
}

TEST_F(RetryStateTest, ExhaustedWithAHintStillRelaysAndReportsTheHint) {
  auto m = machine();
  auto o = status(529);
  o.retry_after_ms = "1500";
  m.on_attempt(o, at());
  m.on_attempt(o, at(1500ms));
  auto d = m.on_attempt(o, at(3000ms));
  ASSERT_EQ(d.action, Action::relay);
  ASSERT_TRUE(d.hint);
  EXPECT_EQ(d.hint->wait, 1500ms);
}

TEST_F(RetryStateTest, MaxRetriesZeroMeansOneAttempt) {
  config.max_retries = 0;
  auto m = machine();
  EXPECT_EQ(m.on_attempt(status(503), at()).action, Action::relay);
  auto n = machine();
  auto d = n.on_attempt(send_failed(boost::asio::error::connection_refused), at());
  EXPECT_EQ(d.action, Action::give_up);
  EXPECT_EQ(d.attempts, 1);
}

TEST_F(RetryStateTest, NoRetryStartsPastTheDeadline) {
  auto m = machine();
  EXPECT_EQ(m.on_attempt(status(503), at(9900ms)).action, Action::retry);  // 87ms: in time
  auto n = machine();
  auto d = n.on_attempt(status(503), at(9950ms));  // would start at 10037ms
  EXPECT_EQ(d.action, Action::relay);
  auto t = machine();
  auto failed = send_failed(boost::asio::error::connection_refused);
  EXPECT_EQ(t.on_attempt(failed, at(9950ms)).action, Action::give_up);
  // A hint that runs past the deadline too.
  auto o = status(529);
  o.retry_after = "3";
  auto p = machine();
  EXPECT_EQ(p.on_attempt(o, at(7001ms)).action, Action::relay);
  auto q = machine();
  EXPECT_EQ(q.on_attempt(o, at(7000ms)).action, Action::retry);
}

TEST_F(RetryStateTest, TransportFailuresAreRetriedThenMappedToTheClient) {
  auto m = machine();
  auto d = m.on_attempt(send_failed(boost::asio::error::connection_refused), at());
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.outcome, "transport_error");
  EXPECT_EQ(d.delay, 87ms);
  d = m.on_attempt(send_failed(boost::beast::error::timeout), at(100ms));
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.outcome, "timeout");
  EXPECT_EQ(d.delay, 175ms);
  d = m.on_attempt(send_failed(boost::beast::error::timeout), at(300ms));
  EXPECT_EQ(d.action, Action::give_up);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->status, http::status::gateway_timeout);

  auto n = machine();
  n.on_attempt(send_failed(boost::asio::error::connection_reset), at());
  n.on_attempt(send_failed(boost::asio::error::connection_reset), at());
  d = n.on_attempt(send_failed(boost::asio::error::connection_reset), at());
  EXPECT_EQ(d.action, Action::give_up);
  EXPECT_EQ(d.error->status, http::status::bad_gateway);
  EXPECT_NE(d.error->message.find("upstream unreachable"), std::string::npos);
}

TEST_F(RetryStateTest, ClientGoneIsNeverRetried) {
  // Aborted under the write: operation_aborted, or whatever the OS said once the call was
  // closed by the client's departure.
  for (auto o : {send_failed(boost::asio::error::operation_aborted),
                 send_failed(boost::asio::error::bad_descriptor, true)}) {
    auto m = machine();
    auto d = m.on_attempt(o, at());
    EXPECT_EQ(d.action, Action::give_up);
    EXPECT_EQ(d.outcome, "cancelled");
    EXPECT_TRUE(d.error);
    EXPECT_FALSE(d.abort_call);  // already closed
  }
  EXPECT_EQ(jitter_calls, 0);
}

TEST_F(RetryStateTest, StreamDroppedBeforeItsFirstEventIsRetried) {
  auto m = machine();
  auto d = m.on_attempt(stream(Stream::dropped, boost::asio::error::eof), at());
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.outcome, "stream_dropped");
  EXPECT_EQ(d.delay, 87ms);
  m.on_attempt(stream(Stream::dropped), at());
  d = m.on_attempt(stream(Stream::dropped, boost::asio::error::eof), at());
  EXPECT_EQ(d.action, Action::give_up);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->status, http::status::bad_gateway);
  EXPECT_NE(d.error->message.find("before its first event: "), std::string::npos)
      << d.error->message;
  EXPECT_TRUE(d.abort_call);
}

TEST_F(RetryStateTest, StreamPastItsFirstEventIsRelayedNeverRetried) {
  // Once the first event is in, the stream is the client's: a later drop ends it with an
  // error event (the relay's business), never with another attempt.
  auto m = machine();
  auto d = m.on_attempt(stream(Stream::first_event), at());
  EXPECT_EQ(d.action, Action::relay);
  EXPECT_EQ(d.outcome, "ok");
  EXPECT_FALSE(d.error);
}

TEST_F(RetryStateTest, OverloadedErrorAsTheFirstEventIsRetriedThenRelayed) {
  auto m = machine();
  auto d = m.on_attempt(stream(Stream::overloaded), at());
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.outcome, "stream_overloaded");
  m.on_attempt(stream(Stream::overloaded), at());
  d = m.on_attempt(stream(Stream::overloaded), at());
  // Upstream's own event: error, as it sent it.
  EXPECT_EQ(d.action, Action::relay);
  EXPECT_FALSE(d.error);
  EXPECT_FALSE(d.abort_call);
}

TEST_F(RetryStateTest, ASuccessThatIsNotJsonIsRetriedThenA502) {
  auto o = status(200);
  o.body_not_json = true;
  auto m = machine();
  auto d = m.on_attempt(o, at());
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.outcome, "garbage");
  m.on_attempt(o, at());
  d = m.on_attempt(o, at());
  EXPECT_EQ(d.action, Action::give_up);
  EXPECT_EQ(d.error->status, http::status::bad_gateway);
  EXPECT_NE(d.error->message.find("not JSON"), std::string::npos);
  // An error status's body is upstream's to relay, JSON or not.
  auto e = status(404);
  e.body_not_json = true;
  auto n = machine();
  EXPECT_EQ(n.on_attempt(e, at()).action, Action::relay);
}

TEST_F(RetryStateTest, ABodyCutOffIsATransportFailureUnlessTheClientLeft) {
  auto o = status(200);
  o.body_error = boost::asio::error::connection_reset;
  auto m = machine();
  auto d = m.on_attempt(o, at());
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.outcome, "transport_error");
  o.body_error = boost::beast::error::timeout;
  EXPECT_EQ(m.on_attempt(o, at()).outcome, "timeout");

  o.body_error = boost::asio::error::operation_aborted;
  auto n = machine();
  EXPECT_EQ(n.on_attempt(o, at()).action, Action::relay);
}

// Forwarded requests (files, batches): a body held may go again only when upstream says
// so; a body passed on as it arrived never (it is spent).
TEST_F(RetryStateTest, AHeldNonIdempotentBodyIsRetriedOnlyWhenUpstreamSaysSo) {
  auto told = machine(Replay::when_told);
  EXPECT_EQ(told.on_attempt(status(529, "true"), at()).action, Action::retry);
  auto silent = machine(Replay::when_told);
  auto d = silent.on_attempt(status(529), at());
  EXPECT_EQ(d.action, Action::relay) << "upstream's own 529 is the answer";
  auto refused = machine(Replay::when_told);
  EXPECT_EQ(refused.on_attempt(status(503, "false"), at()).action, Action::relay);
  auto dropped = machine(Replay::when_told);
  d = dropped.on_attempt(send_failed(boost::asio::error::connection_reset), at());
  EXPECT_EQ(d.action, Action::give_up) << "it may have reached upstream: not sent again";
  EXPECT_EQ(d.error->status, http::status::bad_gateway);
}

TEST_F(RetryStateTest, AStreamedBodyIsNeverSentTwice) {
  auto spent = machine(Replay::never);
  EXPECT_EQ(spent.on_attempt(status(529, "true"), at()).action, Action::relay);
  auto failed = machine(Replay::never);
  EXPECT_EQ(failed.on_attempt(send_failed(boost::asio::error::connection_reset), at()).action,
            Action::give_up);
  auto safe = machine(Replay::safe);
  EXPECT_EQ(safe.on_attempt(send_failed(boost::asio::error::connection_reset), at()).action,
            Action::retry);
}

}  // namespace
}  // namespace gw
