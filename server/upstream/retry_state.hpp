#pragma once

// The retry sequence of one request as a plain object: the dispatcher makes an attempt,
// tells on_attempt() what came of it and does what the decision says (relay, sleep and
// retry, or give up with an error). No sockets, no timers, no clock or RNG of its own:
// `now` is passed in and jitter is injected, so every outcome is unit-tested
// deterministically (tests/unit/retry_state_test.cpp). The arithmetic is retry_policy's.

#include "server/common/api_error.hpp"
#include "server/config/config.hpp"
#include "server/upstream/retry_policy.hpp"

#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace gw {

// What one attempt came to, as the dispatcher observed it.
struct AttemptOutcome {
  // The request could not be sent or no response head came back.
  boost::system::error_code send_error;
  // The client left (the call was aborted under the send): never retried.
  bool client_gone = false;

  // The response head; status 0 when send_error is set. Header values empty when absent.
  unsigned status = 0;
  std::string should_retry;    // x-should-retry
  std::string retry_after_ms;  // retry-after-ms
  std::string retry_after;     // retry-after: seconds or an HTTP date

  // A 200 event stream is read up to its first event before anything is relayed.
  enum class StreamStart { not_read, first_event, dropped, overloaded };
  StreamStart stream = StreamStart::not_read;
  boost::system::error_code stream_error;  // why it dropped, if a read failed

  // A non-streaming body read whole (DispatchInfo::read_body).
  boost::system::error_code body_error;
  bool body_not_json = false;  // a 2xx whose body is not JSON
};

// Whether a request may be sent again: only what upstream cannot mind seeing twice.
enum class Replay {
  safe,       // the Messages API's own calls, and GET: retried as the policy says
  when_told,  // a non-idempotent call with a body held: only on `x-should-retry: true`
  never,      // a body passed on as it arrived: it is spent after one attempt
};

struct RetryDecision {
  enum class Action {
    relay,    // hand upstream's answer on (success, or an error status as it is)
    retry,    // wait `delay`, then attempt again
    give_up,  // no answer to relay: the client gets `error`
  };
  Action action = Action::relay;
  Millis delay{0};
  std::optional<ApiError> error;  // give_up only
  bool abort_call = false;        // give_up: close the call (nothing of it is relayed)
  // For the attempts metric and the retries' log: ok, status_429, stream_dropped, ...
  std::string outcome;
  // Upstream's retry-after, cut to retry.max_retry_after (capped: it asked for more).
  std::optional<RetryAfter> hint;
  int attempts = 0;  // attempts made so far, this one included
};

class RetryState {
 public:
  using SteadyClock = std::chrono::steady_clock;
  using SystemClock = std::chrono::system_clock;
  // The two clocks a decision reads: the deadline runs on the steady one, an HTTP-date
  // retry-after is counted from the system one.
  struct Now {
    SteadyClock::time_point steady;
    SystemClock::time_point system;
  };
  // In [0, 1): how much of the 25% jitter to take off a backoff.
  using Jitter = std::function<double()>;

  // `started` opens the request's deadline (retry.deadline).
  RetryState(const Config::Retry& config, SteadyClock::time_point started, Jitter jitter,
             Replay replay = Replay::safe);

  RetryDecision on_attempt(const AttemptOutcome& outcome, Now now);

  int attempts() const { return attempts_; }

 private:
  Config::Retry config_;
  SteadyClock::time_point started_;
  Jitter jitter_;
  Replay replay_;
  int attempts_ = 0;
};

}  // namespace gw
