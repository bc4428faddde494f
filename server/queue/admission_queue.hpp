#pragma once

#include "server/common/token_usage.hpp"

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
//
// The per-minute budgets are a RateBudget's. A local one answers at once, under the
// mutex. A shared one (Redis, several replicas) is a round trip: then every request
// waits in the queue, and the queue asks about one candidate at a time (its head, as
// fairness picks it), on the `offload` threads; the answer grants it or says how long to
// wait. Concurrency and fairness stay this process's own either way.

#include "server/common/api_error.hpp"
#include "server/config/config.hpp"
#include "server/queue/rate_budget.hpp"
#include "server/queue/upstream_limits.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gw {

struct GatewayMetrics;

class AdmissionQueue;

// What an admission holds: one concurrency slot and its output-token reservation.
struct AdmissionGrant {
  std::string key;
  std::uint64_t input_estimate = 0;
  std::uint64_t output_reserved = 0;
  std::chrono::steady_clock::time_point since;
  bool shared = false;  // taken from the shared budget: unused output goes back there
};

// An admission, move-only, given back to the queue exactly once: by settle() or
// release(), else by its destructor, which keeps the whole output reservation (usage
// unknown: better to under-use the budget than overrun it). Empty when default-made,
// moved from, refused or released. Touched only on the request's own worker.
class AdmissionTicket {
 public:
  AdmissionTicket() = default;
  AdmissionTicket(AdmissionTicket&& other) noexcept;
  AdmissionTicket& operator=(AdmissionTicket&& other) noexcept;  // releases what it held
  AdmissionTicket(const AdmissionTicket&) = delete;
  AdmissionTicket& operator=(const AdmissionTicket&) = delete;
  ~AdmissionTicket() { release(std::nullopt); }

  bool held() const { return queue_ != nullptr; }
  // The upstream answer handed on is a success: settle() counts its tokens.
  void set_reply_ok(bool ok) { reply_ok_ = ok; }

  // Gives the slot back now; `output_used` comes off the reservation and the rest is
  // given back (nullopt keeps the whole reservation). No-op when empty.
  void release(std::optional<std::uint64_t> output_used);
  // The call is over: counts the reply's usage in /metrics when it was a success (no
  // input count at all: the estimate), then releases, giving back what `output_tokens`
  // left unused (0: unknown, the reservation is kept).
  void settle(const TokenUsage& used = {});

 private:
  friend class AdmissionQueue;
  AdmissionQueue* queue_ = nullptr;
  AdmissionGrant grant_;
  bool reply_ok_ = false;
};

struct AdmissionRequest {
  std::string key = "anonymous";
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;  // reserved: the request's max_tokens
};

class AdmissionQueue {
 public:
  using Clock = std::chrono::steady_clock;
  // The queue's time: Clock::now unless a test injects its own. Called from any thread.
  using Now = std::function<Clock::time_point()>;

  // Runs a blocking call elsewhere (the blocking pool); it must not throw.
  using Offload = std::function<void(std::function<void()>)>;

  // `max_pause` bounds every cooldown (retry.max_retry_after): upstream can make the
  // gateway wait, never stop it. `budget` null: local buckets with the whole budget.
  // `offload` set: every budget call goes through it (a shared budget blocks).
  AdmissionQueue(const Config::Queue& config, const std::vector<ClientKey>& keys,
                 GatewayMetrics* metrics = nullptr,
                 Millis max_pause = Config::Retry{}.max_retry_after, Now now = Clock::now,
                 std::unique_ptr<RateBudget> budget = nullptr, Offload offload = nullptr);
  ~AdmissionQueue();
  AdmissionQueue(const AdmissionQueue&) = delete;
  AdmissionQueue& operator=(const AdmissionQueue&) = delete;

  // Waits, on the caller's executor, until `request` may go upstream, and gives `ticket`
  // the admission (anything it held before is released first). Returns a 429
  // rate_limit_error (with a retry-after estimate) when the queue is full or the wait ran
  // past max_wait, and operation_aborted's error when the wait was cancelled; in both
  // cases `ticket` holds nothing.
  boost::asio::awaitable<std::optional<ApiError>> admit(const AdmissionRequest& request,
                                                        AdmissionTicket& ticket);

  // Shared cooldown: nobody is admitted before `until` (an upstream 429's retry-after),
  // or before max_pause from now if that comes first.
  void pause_until(Clock::time_point until);
  // Upstream's anthropic-ratelimit-* view: an exhausted budget pauses dispatch until its
  // reset; the local buckets never believe in more than upstream says is left.
  void observe(const UpstreamLimits& limits, std::chrono::system_clock::time_point system_now);

  // Shutdown, before the workers' contexts go and while `offload` still runs: no more
  // wake-ups on time, no more budget calls (it waits for those running). Idempotent.
  void stop();

  std::size_t depth() const;
  std::size_t in_flight() const;
  // Whole seconds a newcomer would likely wait now (at least 1): the 429's retry-after.
  long long estimate_wait_seconds() const;

 private:
  friend class AdmissionTicket;
  struct Waiter;

  void release(AdmissionGrant& grant, std::optional<std::uint64_t> output_used);
  void count_usage(const AdmissionGrant& grant, const TokenUsage& used);
  struct KeyState {
    std::size_t max_concurrency = 0;
    std::size_t in_flight = 0;
    Clock::time_point not_before{};  // the budget said the key's own one is short until then
    std::deque<std::shared_ptr<Waiter>> waiters;
  };
  enum class Step { granted, stepped_aside, blocked };

  KeyState& key_state(const std::string& key);
  bool slot_free(const KeyState& k) const;
  bool try_now(const AdmissionRequest& r, KeyState& k, Clock::time_point now, AdmissionGrant& g);
  void note(const BudgetVerdict& v, KeyState& k, Clock::time_point now);
  void take_slot(const AdmissionRequest& r, KeyState& k, AdmissionGrant& g, Clock::time_point now,
                 bool shared);
  Step apply(const BudgetVerdict& v, const std::string& key, KeyState& k, Clock::time_point now,
             Clock::time_point& next);
  void ask_offloaded(std::shared_ptr<Waiter> w);
  void on_answer(const std::shared_ptr<Waiter>& w, const BudgetVerdict& v);
  // A budget call that needs no answer: inline (local budget), or on `offload_`.
  void tell_budget(std::function<void(RateBudget&, Clock::time_point)> call);
  void done_offloaded();
  void pump(Clock::time_point now);                      // under mutex_
  void remove_waiter(const std::shared_ptr<Waiter>& w);  // under mutex_
  void arm(Clock::time_point at);                        // under mutex_
  long long estimate_locked(Clock::time_point now) const;
  void update_depth_gauge();

  Config::Queue config_;
  GatewayMetrics* metrics_;
  Now now_;
  Clock::duration max_pause_;
  std::unique_ptr<RateBudget> budget_;
  Offload offload_;

  mutable std::mutex mutex_;
  std::size_t in_flight_ = 0;
  std::size_t depth_ = 0;
  Clock::time_point paused_until_{};       // this replica's cooldown, and shared ones it heard of
  Clock::time_point budget_not_before_{};  // the head did not fit the budget before then
  double avg_hold_seconds_ = 1.0;          // how long a slot is held, smoothed: for estimates
  std::map<std::string, KeyState, std::less<>> keys_;
  std::map<std::string, std::size_t, std::less<>> key_concurrency_;
  std::deque<std::string> round_robin_;  // keys with waiters, next to serve first
  Clock::time_point armed_for_ = Clock::time_point::max();
  std::shared_ptr<Waiter> asking_;  // the candidate whose offloaded budget call runs
  std::size_t offloaded_ = 0;       // budget calls running on offload_
  bool stopped_ = false;
  std::condition_variable offloaded_done_;

  // The refill timer's own thread: waking on time does not depend on any worker.
  boost::asio::io_context timer_ctx_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> timer_work_;
  boost::asio::steady_timer timer_;
  std::thread timer_thread_;
};

}  // namespace gw
