#include "server/upstream/upstream_dispatcher.hpp"

#include "server/common/json_input.hpp"
#include "server/common/log.hpp"
#include "server/sse/sse_parser.hpp"
#include "server/upstream/retry_policy.hpp"
#include "server/upstream/upstream_errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/json.hpp>

#include <random>

namespace gw {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

// A non-streaming Messages API reply is at most a few MB; this only guards memory.
constexpr std::size_t kMaxUpstreamBody = 64 * 1024 * 1024;

double unit_random() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

bool is_timeout(const boost::system::error_code& ec) {
  return ec == boost::beast::error::timeout || ec == asio::error::timed_out;
}

// How one attempt ended, for the retry decision and the attempts metric.
struct Attempt {
  std::string outcome;  // metric label: ok, status_429, status_529, status_5xx, ...
  bool retryable = false;
  unsigned status = 0;                  // 0: no usable response
  boost::system::error_code transport;  // transport failure, if any
  std::optional<Millis> hint;           // upstream's retry-after
  std::optional<ApiError> final_error;  // what the client gets if this is the last attempt
};

std::string status_outcome(unsigned status) {
  if (status < 300) return "ok";
  if (status == 429 || status == 529) return "status_" + std::to_string(status);
  return status >= 500 ? "status_5xx" : "status_4xx";
}

// Reads a 200 stream up to its first event: nothing has reached the client yet, so a drop
// or an overloaded_error here can still be retried.
asio::awaitable<void> check_stream_start(UpstreamCall& call, Attempt& a, std::string& prelude) {
  SseParser parser;
  std::vector<SseEvent> events;
  std::string piece;
  boost::system::error_code ec;
  while (events.empty() && !parser.overflowed()) {
    ec = co_await call.read_some(piece);
    prelude += piece;
    parser.feed(piece, events);
    if (ec) break;
  }
  if (events.empty()) {
    a.outcome = "stream_dropped";
    a.retryable = true;
    a.status = 0;
    a.transport = ec ? ec : boost::system::error_code(http::error::partial_message);
    a.final_error = bad_gateway("upstream stream failed before its first event" +
                                (ec ? ": " + ec.message() : std::string()));
    co_return;
  }
  const auto& first = events.front();
  if (first.event == "error" && first.data.find("overloaded_error") != std::string::npos) {
    a.outcome = "stream_overloaded";
    a.retryable = true;
    a.final_error = overloaded("upstream overloaded");
  }
}

// Reads a non-streaming answer whole: a body cut off, or a success that is not JSON (a
// proxy's HTML page, say), is a failed attempt like a 502.
asio::awaitable<void> read_whole_body(UpstreamCall& call, Attempt& a, Dispatched& out) {
  std::string body;
  if (auto ec = co_await call.read_body(body, kMaxUpstreamBody)) {
    a.outcome = is_timeout(ec) ? "timeout" : "transport_error";
    a.retryable = ec != asio::error::operation_aborted;
    a.transport = ec;
    a.final_error = upstream_transport_error(ec);
    co_return;
  }
  if (a.status < 300) {
    boost::system::error_code jec;
    parse_upstream_json(body, jec);
    if (jec) {
      a.outcome = "garbage";
      a.retryable = true;
      a.final_error = bad_gateway("upstream answered with a body that is not JSON");
      co_return;
    }
  }
  out.body = std::move(body);
}

}  // namespace

UpstreamDispatcher::UpstreamDispatcher(const Config& config, GatewayMetrics& metrics)
    : retry_(config.retry),
      metrics_(metrics),
      queue_(config.queue, config.auth.keys, &metrics, config.retry.max_retry_after) {}

asio::awaitable<Dispatched> UpstreamDispatcher::send(UpstreamCall& call,
                                                     const UpstreamRequest& request,
                                                     const DispatchInfo& info, RequestLog& log) {
  Dispatched out;
  AdmissionGrant& grant = *info.grant;
  const auto started = Clock::now();
  const AdmissionRequest admission{info.client_key, info.input_tokens, info.max_output_tokens};
  for (int attempt = 0;; ++attempt) {
    const auto queued = Clock::now();
    auto refused = co_await queue_.admit(admission, grant);
    const double waited = std::chrono::duration<double>(Clock::now() - queued).count();
    log.queue_wait_ms += waited * 1000.0;
    if (refused) {
      out.error = std::move(refused);
      co_return out;
    }
    metrics_.queue_wait_seconds.observe({}, waited);

    out.attempts = attempt + 1;
    log.upstream_attempts = out.attempts;
    out.body.reset();
    Attempt a;
    if (auto ec = co_await call.send(request)) {
      // The client left: abort() closed the socket under the write, which then fails
      // with whatever the OS says (EBADF, ECANCELED). Not an upstream failure; no retry.
      if (ec == asio::error::operation_aborted || call.aborted()) {
        metrics_.upstream_attempts.add({"cancelled"});
        queue_.release(grant, 0);
        out.error = upstream_transport_error(ec);
        co_return out;
      }
      a.outcome = is_timeout(ec) ? "timeout" : "transport_error";
      a.retryable = true;
      a.transport = ec;
      a.final_error = upstream_transport_error(ec);
      log::warn("upstream attempt failed", {{"request_id", log.request_id},
                                            {"attempt", std::to_string(out.attempts)},
                                            {"error", ec.message()}});
    } else {
      const auto& h = call.headers();
      log.upstream_request_id = std::string(h["request-id"]);
      a.status = call.status();
      a.outcome = status_outcome(a.status);
      queue_.observe(parse_upstream_limits(h), std::chrono::system_clock::now());
      if (auto hint = retry_after_hint(h["retry-after-ms"], h[http::field::retry_after],
                                       std::chrono::system_clock::now(), retry_.max_retry_after)) {
        a.hint = hint->wait;
        if (hint->capped) {
          metrics_.retry_after_capped.add({});
          log::warn("upstream retry-after above retry.max_retry_after: capped",
                    {{"request_id", log.request_id},
                     {"max_retry_after_ms", std::to_string(retry_.max_retry_after.count())}});
        }
      }
      if (a.status == 429 && a.hint) {
        // Upstream's rate limit is everyone's: pause the whole queue, not just this request.
        queue_.pause_until(Clock::now() + *a.hint);
      }
      if (a.status == 401) {
        log::error(
            "upstream rejected the gateway's API key: check upstream.api_key",
            {{"request_id", log.request_id}, {"upstream_request_id", log.upstream_request_id}});
        metrics_.upstream_attempts.add({a.outcome});
        call.abort();
        queue_.release(grant, 0);
        out.error = upstream_credentials_rejected();
        co_return out;
      }
      // Decided once: check_stream_start clears a.status when the stream broke, and that
      // broken stream must not then be read again as a whole body (the socket at EOF
      // would be waited on for stream_idle_timeout before the retry).
      const bool stream = a.status == 200 && call.event_stream();
      if (a.status >= 400) {
        a.retryable = retryable_status(a.status, parse_should_retry(h["x-should-retry"]));
        a.final_error = exhausted_error(a.status, a.retryable, out.attempts, a.hint);
      } else if (stream) {
        std::string prelude;
        co_await check_stream_start(call, a, prelude);
        if (!a.retryable) out.stream_prelude = std::move(prelude);
      }
      if (info.read_body && !stream) co_await read_whole_body(call, a, out);
    }
    metrics_.upstream_attempts.add({a.outcome});

    if (!a.retryable) {
      grant.reply_ok = a.status >= 200 && a.status < 300;
      if (!grant.reply_ok) queue_.release(grant, 0);  // an error answer used no output
      co_return out;
    }
    queue_.release(grant, 0);
    const Millis delay = a.hint ? *a.hint : backoff_delay(retry_, attempt, unit_random());
    if (!may_retry(retry_, out.attempts, started, Clock::now(), delay)) {
      if (a.final_error) {
        call.abort();
        out.error = std::move(a.final_error);
      }
      // else: upstream's own answer (a 429, or a retryable 4xx) is relayed as it is.
      co_return out;
    }
    metrics_.retries.add({a.outcome});
    log::info("retrying upstream request", {{"request_id", log.request_id},
                                            {"attempt", std::to_string(out.attempts)},
                                            {"outcome", a.outcome},
                                            {"delay_ms", std::to_string(delay.count())}});
    asio::steady_timer sleep(co_await asio::this_coro::executor, delay);
    auto [ec] = co_await sleep.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      out.error = upstream_transport_error(ec);
      co_return out;
    }
  }
}

void UpstreamDispatcher::finished(const DispatchInfo& info, std::uint64_t output_tokens,
                                  std::uint64_t input_tokens) {
  AdmissionGrant& grant = *info.grant;
  if (!grant.held) return;  // refused, cancelled, failed, or already finished
  if (grant.reply_ok) {
    metrics_.tokens.add({"input"},
                        static_cast<double>(input_tokens ? input_tokens : info.input_tokens));
    metrics_.tokens.add({"output"}, static_cast<double>(output_tokens));
  }
  // Unknown usage keeps the reservation: better to under-use the budget than overrun it.
  queue_.release(grant, output_tokens ? std::optional<std::uint64_t>(output_tokens) : std::nullopt);
}

}  // namespace gw
