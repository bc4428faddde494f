#include "server/upstream/upstream_dispatcher.hpp"

#include "server/common/json_input.hpp"
#include "server/common/log.hpp"
#include "server/upstream/message_usage.hpp"
#include "server/upstream/reply_usage.hpp"
#include "server/upstream/upstream_errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <random>

namespace gw {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

double unit_random() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// Reads a 200 stream up to its first event: nothing has reached the client yet, so a drop
// or an overloaded_error here can still be retried.
asio::awaitable<void> check_stream_start(UpstreamEvents& events, AttemptOutcome& a) {
  const SseEvent* first = co_await events.first();
  if (!first) {
    a.stream = AttemptOutcome::StreamStart::dropped;
    a.stream_error = events.error();
    co_return;
  }
  const bool overloaded =
      first->event == "error" && first->data.find("overloaded_error") != std::string::npos;
  a.stream = overloaded ? AttemptOutcome::StreamStart::overloaded
                        : AttemptOutcome::StreamStart::first_event;
}

// Reads a non-streaming answer whole, so that a body cut off or a success that is not
// JSON is an attempt that failed (RetryState decides what comes of it).
asio::awaitable<void> read_whole_body(UpstreamCall& call, const DispatchInfo& info,
                                      AttemptOutcome& a, Dispatched& out) {
  std::string body;
  if (auto ec = co_await call.read_body(body, kMaxUpstreamBody)) {
    a.body_error = ec;
    co_return;
  }
  if (a.status < 300) {
    boost::system::error_code jec;
    if (info.reply_document) {
      out.body_json = parse_upstream_json(body, jec);
      if (const auto* reply = out.body_json.if_object()) {
        read_usage(reply->if_contains("usage"), out.usage);
      }
    } else {
      out.usage = scan_reply_usage(body, jec);
    }
    a.body_not_json = static_cast<bool>(jec);
    if (jec) co_return;
  }
  out.body = std::move(body);
}

RetryState::Now now() {
  return {Clock::now(), std::chrono::system_clock::now()};
}

}  // namespace

UpstreamDispatcher::UpstreamDispatcher(const Config& config, GatewayMetrics& metrics,
                                       std::unique_ptr<RateBudget> budget,
                                       AdmissionQueue::Offload offload)
    : retry_(config.retry),
      hooks_{unit_random, {}},
      metrics_(metrics),
      queue_(config.queue, config.auth.keys, &metrics, config.retry.max_retry_after,
             AdmissionQueue::Clock::now, std::move(budget), std::move(offload)) {}

void UpstreamDispatcher::set_retry_hooks(RetryHooks hooks) {
  if (!hooks.jitter) hooks.jitter = unit_random;
  hooks_ = std::move(hooks);
}

asio::awaitable<Dispatched> UpstreamDispatcher::send(UpstreamCall& call,
                                                     const UpstreamRequest& request,
                                                     const DispatchInfo& info, RequestLog& log) {
  using Action = RetryDecision::Action;
  Dispatched out;
  RetryState retry(retry_, Clock::now(), hooks_.jitter, info.replay);
  call.count_waits_in(log.upstream_wait);
  const AdmissionRequest admission{info.client_key, info.input_tokens, info.max_output_tokens};
  for (;;) {
    if (info.admit) {
      const auto queued = Clock::now();
      auto refused = co_await queue_.admit(admission, out.ticket);
      const double waited = std::chrono::duration<double>(Clock::now() - queued).count();
      log.queue_wait_ms += waited * 1000.0;
      if (refused) {
        out.error = std::move(refused);
        co_return out;
      }
      metrics_.queue_wait_seconds.observe({}, waited);
    }

    out.attempts = retry.attempts() + 1;
    log.upstream_attempts = out.attempts;
    out.body.reset();
    out.body_json = nullptr;
    out.usage = {};
    out.events.reset();
    AttemptOutcome a;
    if (auto ec = co_await call.send(request)) {
      a.send_error = ec;
      a.client_gone = call.aborted();
    } else {
      const auto& h = call.headers();
      log.upstream_request_id = std::string(h["request-id"]);
      a.status = call.status();
      a.should_retry = std::string(h["x-should-retry"]);
      a.retry_after_ms = std::string(h["retry-after-ms"]);
      a.retry_after = std::string(h[http::field::retry_after]);
      queue_.observe(parse_upstream_limits(h), std::chrono::system_clock::now());
      // Nothing more is read on a 401: the gateway gives up on it whatever follows.
      if (a.status != 401) {
        if (a.status == 200 && call.event_stream()) {
          out.events = std::make_unique<UpstreamEvents>(call);
          co_await check_stream_start(*out.events, a);
        } else if (info.read_body) {
          co_await read_whole_body(call, info, a, out);
        }
      }
    }
    const RetryDecision d = retry.on_attempt(a, now());
    if (hooks_.on_decision) hooks_.on_decision(d);
    metrics_.upstream_attempts.add({d.outcome});
    if (a.send_error && d.outcome != "cancelled") {
      log::warn("upstream attempt failed", {{"request_id", log.request_id},
                                            {"attempt", std::to_string(out.attempts)},
                                            {"error", a.send_error.message()}});
    }
    if (d.hint && d.hint->capped) {
      metrics_.retry_after_capped.add({});
      log::warn("upstream retry-after above retry.max_retry_after: capped",
                {{"request_id", log.request_id},
                 {"max_retry_after_ms", std::to_string(retry_.max_retry_after.count())}});
    }
    if (a.status == 429 && d.hint) {
      // Upstream's rate limit is everyone's: pause the whole queue, not just this request.
      queue_.pause_until(Clock::now() + d.hint->wait);
    }
    if (a.status == 401) {
      log::error(
          "upstream rejected the gateway's API key: check upstream.api_key",
          {{"request_id", log.request_id}, {"upstream_request_id", log.upstream_request_id}});
    }

    if (d.action == Action::relay) {
      const bool ok = !a.send_error && a.status >= 200 && a.status < 300;
      out.ticket.set_reply_ok(ok);
      if (!ok) out.ticket.release(0);  // an error answer used no output
      co_return out;
    }
    out.ticket.release(0);
    if (d.action == Action::give_up) {
      if (d.abort_call) call.abort();
      out.error = d.error;
      co_return out;
    }
    metrics_.retries.add({d.outcome});
    log::info("retrying upstream request", {{"request_id", log.request_id},
                                            {"attempt", std::to_string(out.attempts)},
                                            {"outcome", d.outcome},
                                            {"delay_ms", std::to_string(d.delay.count())}});
    asio::steady_timer sleep(co_await asio::this_coro::executor, d.delay);
    const auto slept_from = Clock::now();
    auto [ec] = co_await sleep.async_wait(asio::as_tuple(asio::use_awaitable));
    log.upstream_wait += Clock::now() - slept_from;
    if (ec) {
      out.error = upstream_transport_error(ec);
      co_return out;
    }
  }
}

}  // namespace gw
