#include "server/upstream/retry_state.hpp"

#include "server/upstream/upstream_errors.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

#include <utility>

namespace gw {

namespace {

bool is_timeout(const boost::system::error_code& ec) {
  return ec == boost::beast::error::timeout || ec == boost::asio::error::timed_out;
}

std::string status_outcome(unsigned status) {
  if (status < 300) return "ok";
  if (status == 429 || status == 529) return "status_" + std::to_string(status);
  return status >= 500 ? "status_5xx" : "status_4xx";
}

// A failed attempt: retried if the policy allows. Once the retries are spent, the client
// gets `final_error` when there is no upstream answer to hand on (a transport failure, a
// stream cut before its first event, garbage), else upstream's own last answer as it is:
// a 529 stays a 529 and a 429 keeps its retry-after, so an SDK on top classifies it as it
// would against upstream (API.md section 1).
struct Failure {
  bool retryable = false;
  std::optional<ApiError> final_error;
};

}  // namespace

RetryState::RetryState(const Config::Retry& config, SteadyClock::time_point started, Jitter jitter,
                       Replay replay)
    : config_(config), started_(started), jitter_(std::move(jitter)), replay_(replay) {}

RetryDecision RetryState::on_attempt(const AttemptOutcome& o, Now now) {
  using Action = RetryDecision::Action;
  using Stream = AttemptOutcome::StreamStart;
  RetryDecision d;
  d.attempts = ++attempts_;
  Failure f;
  if (o.send_error) {
    // The client left: abort() closed the socket under the write, which then fails with
    // whatever the OS says (EBADF, ECANCELED). Not an upstream failure.
    if (o.send_error == boost::asio::error::operation_aborted || o.client_gone) {
      d.outcome = "cancelled";
      d.action = Action::give_up;
      d.error = upstream_transport_error(o.send_error);
      return d;
    }
    d.outcome = is_timeout(o.send_error) ? "timeout" : "transport_error";
    f = {true, upstream_transport_error(o.send_error)};
  } else {
    d.outcome = status_outcome(o.status);
    d.hint = retry_after_hint(o.retry_after_ms, o.retry_after, now.system, config_.max_retry_after);
    if (o.status == 401) {
      // The gateway's own key is bad: no attempt can fix that.
      d.action = Action::give_up;
      d.error = upstream_credentials_rejected();
      d.abort_call = true;
      return d;
    }
    if (o.status >= 400) {
      f.retryable = retryable_status(o.status, parse_should_retry(o.should_retry));
    } else if (o.stream == Stream::dropped) {
      d.outcome = "stream_dropped";
      f = {true, bad_gateway("upstream stream failed before its first event" +
                             (o.stream_error ? ": " + o.stream_error.message() : std::string()))};
    } else if (o.stream == Stream::overloaded) {
      // Its event: error is upstream's answer, relayed as it is once the retries are spent.
      d.outcome = "stream_overloaded";
      f.retryable = true;
    }
    // A whole body cut off, or a success that is not JSON (a proxy's HTML page, say), is a
    // failed attempt like a 502.
    if (o.stream == Stream::not_read && o.body_error) {
      d.outcome = is_timeout(o.body_error) ? "timeout" : "transport_error";
      f = {o.body_error != boost::asio::error::operation_aborted,
           upstream_transport_error(o.body_error)};
    } else if (o.stream == Stream::not_read && o.status < 300 && o.body_not_json) {
      d.outcome = "garbage";
      f = {true, bad_gateway("upstream answered with a body that is not JSON")};
    }
  }
  if (!f.retryable) return d;  // relay

  const Millis delay = d.hint ? d.hint->wait : backoff_delay(config_, attempts_ - 1, jitter_());
  const bool replayable = replay_ == Replay::safe || (replay_ == Replay::when_told &&
                                                      parse_should_retry(o.should_retry) == true);
  if (!replayable || !may_retry(config_, attempts_, started_, now.steady, delay)) {
    if (f.final_error) {
      d.action = Action::give_up;
      d.error = std::move(f.final_error);
      d.abort_call = true;
    }
    // else: upstream's own last answer is relayed as it is.
    return d;
  }
  d.action = Action::retry;
  d.delay = delay;
  return d;
}

}  // namespace gw
