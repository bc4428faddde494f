#include "server/queue/admission_queue.hpp"

#include "server/common/log.hpp"
#include "server/metrics/gateway_metrics.hpp"
#include "server/queue/local_rate_budget.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <cmath>
#include <utility>

namespace gw {

namespace asio = boost::asio;

struct AdmissionQueue::Waiter {
  AdmissionRequest request;
  asio::any_io_executor ex;
  // The timer lives in the waiting coroutine's frame; set and cleared on the waiter's own
  // worker thread, which is also where the wake-up runs, so it needs no lock.
  asio::steady_timer* timer = nullptr;
  bool granted = false;  // under the queue's mutex
  AdmissionGrant grant;  // filled when granted
};

namespace {

ApiError cancelled_error() {
  return {boost::beast::http::status::service_unavailable, "api_error",
          "the request was cancelled while queued"};
}

}  // namespace

AdmissionQueue::AdmissionQueue(const Config::Queue& config, const std::vector<ClientKey>& keys,
                               GatewayMetrics* metrics, Millis max_pause, Now now,
                               std::unique_ptr<RateBudget> budget, Offload offload)
    : config_(config),
      metrics_(metrics),
      now_(std::move(now)),
      max_pause_(max_pause),
      budget_(budget ? std::move(budget)
                     : std::make_unique<LocalRateBudget>(config, keys, 1, now_())),
      offload_(std::move(offload)),
      timer_work_(timer_ctx_.get_executor()),
      timer_(timer_ctx_) {
  for (const auto& k : keys) key_concurrency_[k.name] = k.max_concurrency;
  timer_thread_ = std::thread([this] { timer_ctx_.run(); });
}

AdmissionQueue::~AdmissionQueue() {
  stop();
}

void AdmissionQueue::stop() {
  {
    std::unique_lock lock(mutex_);
    stopped_ = true;
    // Offloaded calls hold `this`: they end before it may go.
    offloaded_done_.wait(lock, [this] { return offloaded_ == 0; });
  }
  timer_work_.reset();
  timer_ctx_.stop();
  if (timer_thread_.joinable()) timer_thread_.join();
}

AdmissionQueue::KeyState& AdmissionQueue::key_state(const std::string& key) {
  auto it = keys_.find(key);
  if (it != keys_.end()) return it->second;
  KeyState k;
  if (auto l = key_concurrency_.find(key); l != key_concurrency_.end()) {
    k.max_concurrency = l->second;
  }
  return keys_.emplace(key, std::move(k)).first->second;
}

bool AdmissionQueue::slot_free(const KeyState& k) const {
  if (config_.max_concurrency && in_flight_ >= config_.max_concurrency) return false;
  return !(k.max_concurrency && k.in_flight >= k.max_concurrency);
}

// A request that finds nobody waiting, with a local budget: admitted on the spot.
bool AdmissionQueue::try_now(const AdmissionRequest& r, KeyState& k, Clock::time_point now,
                             AdmissionGrant& g) {
  if (now < paused_until_ || now < k.not_before || !slot_free(k)) return false;
  const auto v = budget_->try_take({r.key, r.input_tokens, r.output_tokens}, now);
  note(v, k, now);
  if (!v.taken) return false;
  take_slot(r, k, g, now, v.shared);
  return true;
}

void AdmissionQueue::note(const BudgetVerdict& v, KeyState& k, Clock::time_point now) {
  // Another replica's cooldown: nobody here asks again before it ends.
  if (v.cooldown > Clock::duration::zero()) {
    paused_until_ = std::max(paused_until_, now + v.cooldown);
  }
  if (v.key_wait > Clock::duration::zero()) k.not_before = now + v.key_wait;
}

void AdmissionQueue::take_slot(const AdmissionRequest& r, KeyState& k, AdmissionGrant& g,
                               Clock::time_point now, bool shared) {
  ++in_flight_;
  ++k.in_flight;
  g.key = r.key;
  g.input_estimate = r.input_tokens;
  g.output_reserved = r.output_tokens;
  g.since = now;
  g.shared = shared;
  if (metrics_) metrics_->in_flight.set({}, static_cast<double>(in_flight_));
}

asio::awaitable<std::optional<ApiError>> AdmissionQueue::admit(const AdmissionRequest& request,
                                                               AdmissionTicket& ticket) {
  ticket.release(std::nullopt);
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  auto w = std::make_shared<Waiter>();
  // Whatever happens to this frame (resumed, or destroyed with its worker at shutdown),
  // the queue must not keep a waiter whose timer is gone.
  struct Leave {
    AdmissionQueue& q;
    std::shared_ptr<Waiter>& w;
    ~Leave() {
      w->timer = nullptr;
      std::lock_guard lock(q.mutex_);
      if (!w->granted) q.remove_waiter(w);
    }
  };
  std::optional<ApiError> refused;
  bool admitted = false;
  {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    auto& k = key_state(request.key);
    // With a shared budget every request is asked about from the queue, so a lone one
    // must find room there.
    const std::size_t room =
        offload_ ? std::max<std::size_t>(config_.max_depth, 1) : config_.max_depth;
    if (!offload_ && depth_ == 0 && try_now(request, k, now, ticket.grant_)) {
      ticket.queue_ = this;
      admitted = true;
    } else if (depth_ >= room) {
      refused = rate_limited("the gateway's queue is full", estimate_locked(now));
      if (metrics_) metrics_->queue_rejected.add({"full"});
    } else if (paused_until_ > now + config_.max_wait) {
      refused = rate_limited("upstream asked the gateway to pause for longer than queue.max_wait",
                             estimate_locked(now));
      if (metrics_) metrics_->queue_rejected.add({"cooldown"});
    } else {
      w->request = request;
      w->ex = ex;
      w->timer = &timer;
      k.waiters.push_back(w);
      if (k.waiters.size() == 1) round_robin_.push_back(request.key);
      ++depth_;
      pump(now);
      update_depth_gauge();
      if (w->granted) {
        w->timer = nullptr;  // the wake-up already posted must not touch this frame's timer
        ticket.grant_ = w->grant;
        ticket.queue_ = this;
        admitted = true;
      }
      timer.expires_after(config_.max_wait);
    }
  }
  if (admitted) co_return std::nullopt;
  if (refused) co_return refused;

  Leave leave{*this, w};
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(mutex_);
  if (w->granted) {
    ticket.grant_ = w->grant;
    ticket.queue_ = this;
    co_return std::nullopt;
  }
  remove_waiter(w);
  update_depth_gauge();
  if (ec == asio::error::operation_aborted) co_return cancelled_error();
  if (metrics_) metrics_->queue_rejected.add({"timeout"});
  co_return rate_limited("the request waited longer than queue.max_wait for upstream capacity",
                         estimate_locked(now_()));
}

void AdmissionQueue::remove_waiter(const std::shared_ptr<Waiter>& w) {
  auto it = keys_.find(w->request.key);
  if (it == keys_.end()) return;
  auto& list = it->second.waiters;
  auto found = std::find(list.begin(), list.end(), w);
  if (found == list.end()) return;
  list.erase(found);
  --depth_;
  budget_not_before_ = {};  // it may have been the head that did not fit
  if (list.empty()) {
    round_robin_.erase(std::remove(round_robin_.begin(), round_robin_.end(), w->request.key),
                       round_robin_.end());
  }
}

// What the budget said about the head of the round robin (`key`'s first waiter).
AdmissionQueue::Step AdmissionQueue::apply(const BudgetVerdict& v, const std::string& key,
                                           KeyState& k, Clock::time_point now,
                                           Clock::time_point& next) {
  note(v, k, now);
  if (v.taken) {
    auto granted = k.waiters.front();
    take_slot(granted->request, k, granted->grant, now, v.shared);
    granted->granted = true;
    asio::post(granted->ex, [granted] {
      if (granted->timer) granted->timer->cancel();
    });
    k.waiters.pop_front();
    --depth_;
    round_robin_.pop_front();
    if (!k.waiters.empty()) round_robin_.push_back(key);
    return Step::granted;
  }
  // The gateway-wide budget is everyone's: the head waits rather than be overtaken by
  // smaller requests forever.
  if (v.wait > Clock::duration::zero()) {
    budget_not_before_ = now + v.wait;
    next = std::min(next, budget_not_before_);
    return Step::blocked;
  }
  // Only the key's own budget is short: it steps aside, the others keep going.
  next = std::min(next, k.not_before);
  round_robin_.pop_front();
  round_robin_.push_back(key);
  return Step::stepped_aside;
}

void AdmissionQueue::pump(Clock::time_point now) {
  if (depth_ == 0 || asking_) return;
  // Known to be short: asking again before then would only cost a round trip.
  if (const auto until = std::max(paused_until_, budget_not_before_); now < until) {
    arm(until);
    return;
  }
  auto next = Clock::time_point::max();
  std::size_t skipped = 0;
  while (!round_robin_.empty() && skipped < round_robin_.size()) {
    if (config_.max_concurrency && in_flight_ >= config_.max_concurrency) break;
    const std::string key = round_robin_.front();
    KeyState& k = keys_.find(key)->second;
    // A key at its own limit steps aside without asking.
    const bool key_busy = k.max_concurrency && k.in_flight >= k.max_concurrency;
    if (key_busy || now < k.not_before) {
      if (!key_busy) next = std::min(next, k.not_before);
      round_robin_.pop_front();
      round_robin_.push_back(key);
      ++skipped;
      continue;
    }
    if (offload_) {
      if (!stopped_) ask_offloaded(k.waiters.front());
      break;  // the answer goes on from here
    }
    const auto& r = k.waiters.front()->request;
    const auto v = budget_->try_take({r.key, r.input_tokens, r.output_tokens}, now);
    const auto step = apply(v, key, k, now, next);
    if (step == Step::blocked) break;
    skipped = step == Step::granted ? 0 : skipped + 1;
  }
  if (next != Clock::time_point::max()) arm(next);
  update_depth_gauge();
}

// Under mutex_: one candidate at a time, so that the local order decides who goes next
// and the shared budget only whether it may.
void AdmissionQueue::ask_offloaded(std::shared_ptr<Waiter> w) {
  asking_ = w;
  ++offloaded_;
  offload_([this, w = std::move(w)] {
    BudgetVerdict v;
    const auto& r = w->request;
    try {
      v = budget_->try_take({r.key, r.input_tokens, r.output_tokens}, now_());
    } catch (const std::exception& e) {
      // A budget that cannot answer (it falls back by itself when it can): ask again soon.
      log::error("rate budget failed", {{"error", e.what()}});
      v.wait = std::chrono::seconds(1);
    }
    {
      std::lock_guard lock(mutex_);
      asking_.reset();
      on_answer(w, v);
    }
    done_offloaded();
  });
}

void AdmissionQueue::on_answer(const std::shared_ptr<Waiter>& w, const BudgetVerdict& v) {
  const auto now = now_();
  auto it = keys_.find(w->request.key);
  const bool waiting = it != keys_.end() && !it->second.waiters.empty() &&
                       it->second.waiters.front() == w && !round_robin_.empty() &&
                       round_robin_.front() == w->request.key;
  if (!waiting) {
    // It left (cancelled, timed out) while asked about: what was taken for it goes back.
    if (v.taken) {
      const auto& r = w->request;
      tell_budget([back = BudgetReturn{r.key, 1, r.input_tokens, r.output_tokens, v.shared}](
                      RateBudget& b, Clock::time_point t) { b.give_back(back, t); });
    }
  } else {
    auto next = Clock::time_point::max();
    apply(v, w->request.key, it->second, now, next);
    if (next != Clock::time_point::max()) arm(next);
  }
  pump(now);
}

void AdmissionQueue::tell_budget(std::function<void(RateBudget&, Clock::time_point)> call) {
  if (!offload_) {
    call(*budget_, now_());
    return;
  }
  if (stopped_) return;  // shutting down: the budget refills by itself
  ++offloaded_;
  offload_([this, call = std::move(call)] {
    try {
      call(*budget_, now_());
    } catch (const std::exception& e) {
      log::warn("rate budget update lost", {{"error", e.what()}});
    }
    done_offloaded();
  });
}

void AdmissionQueue::done_offloaded() {
  std::lock_guard lock(mutex_);
  if (--offloaded_ == 0) offloaded_done_.notify_all();
}

void AdmissionQueue::arm(Clock::time_point at) {
  if (armed_for_ <= at) return;  // an earlier wake-up is already set
  armed_for_ = at;
  asio::post(timer_ctx_, [this, at] {
    timer_.expires_after(at - now_());
    timer_.async_wait([this, at](const boost::system::error_code& ec) {
      if (ec) return;  // replaced by an earlier wake-up
      std::lock_guard lock(mutex_);
      if (armed_for_ == at) armed_for_ = Clock::time_point::max();
      pump(now_());
    });
  });
}

void AdmissionQueue::release(AdmissionGrant& grant, std::optional<std::uint64_t> output_used) {
  std::lock_guard lock(mutex_);
  const auto now = now_();
  if (in_flight_ > 0) --in_flight_;
  if (auto it = keys_.find(grant.key); it != keys_.end() && it->second.in_flight > 0) {
    --it->second.in_flight;
  }
  double held = std::chrono::duration<double>(now - grant.since).count();
  avg_hold_seconds_ = 0.9 * avg_hold_seconds_ + 0.1 * held;
  if (output_used && config_.output_tokens_per_minute) {
    const auto unused = grant.output_reserved - std::min(*output_used, grant.output_reserved);
    if (unused) {
      budget_not_before_ = {};
      tell_budget([back = BudgetReturn{grant.key, 0, 0, unused, grant.shared}](
                      RateBudget& b, Clock::time_point t) { b.give_back(back, t); });
    }
  }
  if (metrics_) metrics_->in_flight.set({}, static_cast<double>(in_flight_));
  pump(now);
}

void AdmissionQueue::count_usage(const AdmissionGrant& grant, const TokenUsage& used) {
  if (!metrics_) return;
  // Everything before a cache breakpoint is counted as read or written, not as input: a
  // reply may say 0 input tokens and still have used some.
  const bool reported = used.total_input() > 0;
  metrics_->tokens.add({"input"},
                       static_cast<double>(reported ? used.input_tokens : grant.input_estimate));
  metrics_->tokens.add({"output"}, static_cast<double>(used.output_tokens));
  if (used.cache_creation_input_tokens) {
    metrics_->tokens.add({"cache_creation_input"},
                         static_cast<double>(used.cache_creation_input_tokens));
  }
  if (used.cache_read_input_tokens) {
    metrics_->tokens.add({"cache_read_input"}, static_cast<double>(used.cache_read_input_tokens));
  }
}

AdmissionTicket::AdmissionTicket(AdmissionTicket&& other) noexcept
    : queue_(std::exchange(other.queue_, nullptr)),
      grant_(std::move(other.grant_)),
      reply_ok_(other.reply_ok_) {}

AdmissionTicket& AdmissionTicket::operator=(AdmissionTicket&& other) noexcept {
  if (this != &other) {
    release(std::nullopt);
    queue_ = std::exchange(other.queue_, nullptr);
    grant_ = std::move(other.grant_);
    reply_ok_ = other.reply_ok_;
  }
  return *this;
}

void AdmissionTicket::release(std::optional<std::uint64_t> output_used) {
  if (auto* q = std::exchange(queue_, nullptr)) q->release(grant_, output_used);
}

void AdmissionTicket::settle(const TokenUsage& used) {
  if (!queue_) return;  // refused, failed, or already settled
  if (reply_ok_) queue_->count_usage(grant_, used);
  release(used.output_tokens ? std::optional<std::uint64_t>(used.output_tokens) : std::nullopt);
}

void AdmissionQueue::pause_until(Clock::time_point until) {
  std::lock_guard lock(mutex_);
  const auto now = now_();
  until = std::min(until, now + max_pause_);
  if (until <= paused_until_) return;
  paused_until_ = until;
  if (metrics_) metrics_->cooldowns.add({});
  tell_budget([pause = until - now](RateBudget& b, Clock::time_point) { b.share_pause(pause); });
  if (depth_ > 0) arm(until);
}

void AdmissionQueue::observe(const UpstreamLimits& limits,
                             std::chrono::system_clock::time_point system_now) {
  const auto now = now_();
  // A reset further out than max_pause (a monthly cap, a bad clock) pauses max_pause, as
  // a long retry-after does: then upstream's own answers say whether the budget is back.
  auto until = [&](const UpstreamBudget& b) -> std::optional<Clock::time_point> {
    if (!b.remaining || *b.remaining >= 1 || !b.reset) return std::nullopt;
    if (*b.reset <= system_now) return std::nullopt;
    // Compared before converting: system and steady durations may differ in range.
    if (*b.reset - system_now >= max_pause_) return now + max_pause_;
    return now + std::chrono::duration_cast<Clock::duration>(*b.reset - system_now);
  };
  std::optional<Clock::time_point> pause;
  for (const auto* b :
       {&limits.requests, &limits.input_tokens, &limits.output_tokens, &limits.tokens}) {
    if (auto u = until(*b); u && (!pause || *u > *pause)) pause = u;
  }
  // Only what can lower a configured budget is worth a call (with a shared budget, a
  // round trip): a bucket never holds more than its minute anyway.
  BudgetRemaining remaining;
  bool lowers = false;
  auto take = [&](const std::optional<double>& said, std::uint64_t per_minute, double& out) {
    if (!said || !per_minute || *said >= static_cast<double>(per_minute)) return;
    out = *said;
    lowers = true;
  };
  take(limits.requests.remaining, config_.requests_per_minute, remaining.requests);
  take(limits.input_tokens.remaining, config_.input_tokens_per_minute, remaining.input_tokens);
  take(limits.output_tokens.remaining, config_.output_tokens_per_minute, remaining.output_tokens);
  if (lowers) {
    std::lock_guard lock(mutex_);
    tell_budget([remaining](RateBudget& b, Clock::time_point t) { b.limit_to(remaining, t); });
  }
  if (pause) pause_until(*pause);
}

std::size_t AdmissionQueue::depth() const {
  std::lock_guard lock(mutex_);
  return depth_;
}

std::size_t AdmissionQueue::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

long long AdmissionQueue::estimate_wait_seconds() const {
  std::lock_guard lock(mutex_);
  return estimate_locked(now_());
}

long long AdmissionQueue::estimate_locked(Clock::time_point now) const {
  double seconds = 0;
  if (paused_until_ > now) seconds = std::chrono::duration<double>(paused_until_ - now).count();
  const double ahead = static_cast<double>(depth_ + 1);
  if (config_.max_concurrency && in_flight_ >= config_.max_concurrency) {
    seconds =
        std::max(seconds, ahead / static_cast<double>(config_.max_concurrency) * avg_hold_seconds_);
  }
  if (config_.requests_per_minute) {
    seconds = std::max(seconds, ahead * 60.0 / static_cast<double>(config_.requests_per_minute));
  }
  return std::max(1LL, static_cast<long long>(std::ceil(seconds)));
}

void AdmissionQueue::update_depth_gauge() {
  if (metrics_) metrics_->queue_depth.set({}, static_cast<double>(depth_));
}

}  // namespace gw
