#pragma once

// Admission in front of upstream: a request starts only when it fits the gateway-wide
// limits (concurrency, requests, input and output tokens per minute), its key's own
// limits, and no shared cooldown is running. What does not fit waits in a bounded queue
// served round-robin across client keys, so one flooding service cannot starve another.
//
// One object serves every worker: its state sits behind one short mutex, never held
// across a co_await. A waiter sleeps on a timer of its own executor; whoever frees
// capacity grants the next waiters under the mutex and wakes them by posting a cancel to
// their executor. Time-based capacity (refills, the end of a cooldown) is noticed by a
// timer on a small private thread.

#include "server/common/api_error.hpp"
#include "server/config/config.hpp"
#include "server/queue/token_bucket.hpp"
#include "server/queue/upstream_limits.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gw {

struct GatewayMetrics;

// What an admitted request holds until it is released: one concurrency slot and its
// output-token reservation. Owned by the request (see DispatchInfo); touched only on the
// request's own worker.
struct AdmissionGrant {
  bool held = false;
  std::string key;
  std::uint64_t output_reserved = 0;
  std::chrono::steady_clock::time_point since;
  bool reply_ok = false;  // the upstream answer that was handed on is a success
};

struct AdmissionRequest {
  std::string key = "anonymous";
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;  // reserved: the request's max_tokens
};

class AdmissionQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // `max_pause` bounds every cooldown (retry.max_retry_after): upstream can make the
  // gateway wait, never stop it.
  AdmissionQueue(const Config::Queue& config, const std::vector<ClientKey>& keys,
                 GatewayMetrics* metrics = nullptr,
                 Millis max_pause = Config::Retry{}.max_retry_after);
  ~AdmissionQueue();
  AdmissionQueue(const AdmissionQueue&) = delete;
  AdmissionQueue& operator=(const AdmissionQueue&) = delete;

  // Waits, on the caller's executor, until `request` may go upstream, and fills `grant`.
  // Returns a 429 rate_limit_error (with a retry-after estimate) when the queue is full or
  // the wait ran past max_wait, and operation_aborted's error when the wait was cancelled;
  // in both cases `grant` holds nothing.
  boost::asio::awaitable<std::optional<ApiError>> admit(const AdmissionRequest& request,
                                                        AdmissionGrant& grant);

  // Frees what `grant` holds. `output_used`: the reply's output tokens, given back from
  // the reservation; nullopt keeps the whole reservation (usage unknown).
  void release(AdmissionGrant& grant, std::optional<std::uint64_t> output_used);

  // Shared cooldown: nobody is admitted before `until` (an upstream 429's retry-after),
  // or before max_pause from now if that comes first.
  void pause_until(Clock::time_point until);
  // Upstream's anthropic-ratelimit-* view: an exhausted budget pauses dispatch until its
  // reset; the local buckets never believe in more than upstream says is left.
  void observe(const UpstreamLimits& limits, std::chrono::system_clock::time_point system_now);

  // Shutdown, before the workers' contexts go: no more wake-ups on time. Idempotent.
  void stop();

  std::size_t depth() const;
  std::size_t in_flight() const;
  // Whole seconds a newcomer would likely wait now (at least 1): the 429's retry-after.
  long long estimate_wait_seconds() const;

 private:
  struct Waiter;
  struct KeyState {
    TokenBucket rpm;
    std::size_t max_concurrency = 0;
    std::size_t in_flight = 0;
    std::deque<std::shared_ptr<Waiter>> waiters;
  };

  KeyState& key_state(const std::string& key);
  bool fits_now(const AdmissionRequest& r, KeyState& k, Clock::time_point now,
                Clock::time_point& retry_at);
  void take(const AdmissionRequest& r, KeyState& k, AdmissionGrant& g, Clock::time_point now);
  void pump(Clock::time_point now);                      // under mutex_
  void remove_waiter(const std::shared_ptr<Waiter>& w);  // under mutex_
  void arm(Clock::time_point at);                        // under mutex_
  long long estimate_locked(Clock::time_point now) const;
  void update_depth_gauge();

  Config::Queue config_;
  GatewayMetrics* metrics_;
  Clock::duration max_pause_;

  mutable std::mutex mutex_;
  TokenBucket rpm_, input_tpm_, output_tpm_;
  std::size_t in_flight_ = 0;
  std::size_t depth_ = 0;
  Clock::time_point paused_until_{};
  double avg_hold_seconds_ = 1.0;  // how long a slot is held, smoothed: for estimates
  std::map<std::string, KeyState, std::less<>> keys_;
  std::map<std::string, std::pair<std::uint64_t, std::size_t>, std::less<>> key_limits_;
  std::deque<std::string> round_robin_;  // keys with waiters, next to serve first
  Clock::time_point armed_for_ = Clock::time_point::max();

  // The refill timer's own thread: waking on time does not depend on any worker.
  boost::asio::io_context timer_ctx_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> timer_work_;
  boost::asio::steady_timer timer_;
  std::thread timer_thread_;
};

}  // namespace gw
