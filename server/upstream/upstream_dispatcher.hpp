#pragma once

#include "server/common/api_error.hpp"
#include "server/common/token_usage.hpp"
#include "server/config/config.hpp"
#include "server/http/request_log.hpp"
#include "server/metrics/gateway_metrics.hpp"
#include "server/queue/admission_queue.hpp"
#include "server/upstream/retry_state.hpp"
#include "server/upstream/upstream_client.hpp"
#include "server/upstream/upstream_events.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace gw {

// Who is asking and what the request may cost: what admission needs to know.
struct DispatchInfo {
  std::string client_key = "anonymous";  // the key's name: fairness, per-key limits, metrics
  std::uint64_t input_tokens = 0;        // estimate from the request body (estimate_input_tokens)
  std::uint64_t max_output_tokens = 0;   // reserved until the reply's usage is known
  bool stream = false;
  // Non-streaming answers: read the whole body inside send(), so that a 2xx whose body is
  // not JSON, or a body cut off, is retried like any failed attempt; the body comes back
  // in Dispatched::body and `call` has nothing left to read. Pass-through sets it.
  bool read_body = false;
  // With read_body, a 2xx body is also parsed into Dispatched::body_json (sessions read
  // the reply from it); without, it is only checked as JSON and its usage read
  // (pass-through relays the bytes as they are).
  bool reply_document = false;
  // Through the admission queue (its limits and fairness): the Messages API's calls. The
  // other /v1/* routes (files, batches) spend no model tokens and skip it.
  bool admit = true;
  Replay replay = Replay::safe;
};

// What getting a response out of upstream came to.
struct Dispatched {
  // Set when there is no upstream response to relay; the client gets this error.
  std::optional<ApiError> error;
  // A 200 event stream: its events, the first of them already read (and still to come
  // out of next()). Reads from the `call` passed to send().
  std::unique_ptr<UpstreamEvents> events;
  // With DispatchInfo::read_body, the whole body of a non-streaming answer; for a 2xx also
  // its usage, and with DispatchInfo::reply_document its parse (the reply is read from it),
  // both from the one check of it as JSON done here.
  std::optional<std::string> body;
  TokenUsage usage;
  boost::json::value body_json;
  int attempts = 0;  // upstream attempts made (also in the request's log)
  // The admission the answer is relayed under; empty with `error`. The caller settles it
  // with the reply's usage once the call is over (or lets it go: see AdmissionTicket).
  AdmissionTicket ticket;
};

// The single way out to the Messages API for every route: admission and the retry policy
// sit here, so pass-through and session turns obey the same limits.
class UpstreamDispatcher {
 public:
  // `budget` and `offload`: see AdmissionQueue (null: local buckets).
  UpstreamDispatcher(const Config& config, GatewayMetrics& metrics,
                     std::unique_ptr<RateBudget> budget = nullptr,
                     AdmissionQueue::Offload offload = nullptr);

  // Waits for admission, then sends `request` on `call`, retrying what the policy says
  // (before anything reached the client). On success `call` holds a response head: a 2xx
  // (for a stream, with its first event read into `events`), or an upstream error (an
  // error status, or an overloaded first event) the caller relays as is, also when it is
  // the last of spent retries. Queue refusals (429), an upstream 401 (the gateway's own
  // key is bad), transport failures and garbage after all retries come back as `error`.
  // Cancellable (a client that left): queue waits and retry sleeps stop at once.
  boost::asio::awaitable<Dispatched> send(UpstreamCall& call, const UpstreamRequest& request,
                                          const DispatchInfo& info, RequestLog& log);

  GatewayMetrics& metrics() { return metrics_; }
  AdmissionQueue& queue() { return queue_; }

  // What the retry decisions read and tell, replaceable by tests: a fixed jitter, and a
  // record of every decision (asserted instead of gaps on the wall clock). Set before
  // the first request; called on the workers.
  struct RetryHooks {
    RetryState::Jitter jitter;  // default: a per-thread RNG
    std::function<void(const RetryDecision&)> on_decision;
  };
  void set_retry_hooks(RetryHooks hooks);

 private:
  Config::Retry retry_;
  RetryHooks hooks_;
  GatewayMetrics& metrics_;
  AdmissionQueue queue_;
};

}  // namespace gw
