#include "server/queue/admission_queue.hpp"

#include "server/metrics/gateway_metrics.hpp"

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
                               GatewayMetrics* metrics, Millis max_pause, Now now)
    : config_(config),
      metrics_(metrics),
      now_(std::move(now)),
      max_pause_(max_pause),
      rpm_(config.requests_per_minute),
      input_tpm_(config.input_tokens_per_minute),
      output_tpm_(config.output_tokens_per_minute),
      timer_work_(timer_ctx_.get_executor()),
      timer_(timer_ctx_) {
  for (const auto& k : keys) key_limits_[k.name] = {k.requests_per_minute, k.max_concurrency};
  timer_thread_ = std::thread([this] { timer_ctx_.run(); });
}

AdmissionQueue::~AdmissionQueue() {
  stop();
}

void AdmissionQueue::stop() {
  timer_work_.reset();
  timer_ctx_.stop();
  if (timer_thread_.joinable()) timer_thread_.join();
}

AdmissionQueue::KeyState& AdmissionQueue::key_state(const std::string& key) {
  auto it = keys_.find(key);
  if (it != keys_.end()) return it->second;
  KeyState k;
  if (auto l = key_limits_.find(key); l != key_limits_.end()) {
    k.rpm = TokenBucket(l->second.first);
    k.max_concurrency = l->second.second;
  }
  return keys_.emplace(key, std::move(k)).first->second;
}

bool AdmissionQueue::fits_now(const AdmissionRequest& r, KeyState& k, Clock::time_point now,
                              Clock::time_point& retry_at) {
  retry_at = Clock::time_point::max();
  if (now < paused_until_) {
    retry_at = paused_until_;
    return false;
  }
  if (config_.max_concurrency && in_flight_ >= config_.max_concurrency) return false;
  if (k.max_concurrency && k.in_flight >= k.max_concurrency) return false;
  auto wait = std::max({k.rpm.time_until(1, now), rpm_.time_until(1, now),
                        input_tpm_.time_until(static_cast<double>(r.input_tokens), now),
                        output_tpm_.time_until(static_cast<double>(r.output_tokens), now)});
  if (wait > Clock::duration::zero()) {
    retry_at = now + wait;
    return false;
  }
  return true;
}

void AdmissionQueue::take(const AdmissionRequest& r, KeyState& k, AdmissionGrant& g,
                          Clock::time_point now) {
  k.rpm.take(1, now);
  rpm_.take(1, now);
  input_tpm_.take(static_cast<double>(r.input_tokens), now);
  output_tpm_.take(static_cast<double>(r.output_tokens), now);
  ++in_flight_;
  ++k.in_flight;
  g.key = r.key;
  g.input_estimate = r.input_tokens;
  g.output_reserved = r.output_tokens;
  g.since = now;
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
    Clock::time_point retry_at;
    if (depth_ == 0 && fits_now(request, k, now, retry_at)) {
      take(request, k, ticket.grant_, now);
      ticket.queue_ = this;
      admitted = true;
    } else if (depth_ >= config_.max_depth) {
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
  if (list.empty()) {
    round_robin_.erase(std::remove(round_robin_.begin(), round_robin_.end(), w->request.key),
                       round_robin_.end());
  }
}

void AdmissionQueue::pump(Clock::time_point now) {
  if (depth_ == 0) return;
  if (now < paused_until_) {
    arm(paused_until_);
    return;
  }
  auto next = Clock::time_point::max();
  std::size_t skipped = 0;
  while (!round_robin_.empty() && skipped < round_robin_.size()) {
    if (config_.max_concurrency && in_flight_ >= config_.max_concurrency) break;
    const std::string key = round_robin_.front();
    KeyState& k = keys_.find(key)->second;
    const auto& w = k.waiters.front();
    // A key at its own limit steps aside; the others keep going.
    const bool key_busy = k.max_concurrency && k.in_flight >= k.max_concurrency;
    const auto key_wait = k.rpm.time_until(1, now);
    if (key_busy || key_wait > Clock::duration::zero()) {
      if (!key_busy) next = std::min(next, now + key_wait);
      round_robin_.pop_front();
      round_robin_.push_back(key);
      ++skipped;
      continue;
    }
    // The gateway-wide budget is everyone's: the head waits rather than be overtaken by
    // smaller requests forever.
    auto wait =
        std::max({rpm_.time_until(1, now),
                  input_tpm_.time_until(static_cast<double>(w->request.input_tokens), now),
                  output_tpm_.time_until(static_cast<double>(w->request.output_tokens), now)});
    if (wait > Clock::duration::zero()) {
      next = std::min(next, now + wait);
      break;
    }
    auto granted = w;
    take(granted->request, k, granted->grant, now);
    granted->granted = true;
    asio::post(granted->ex, [granted] {
      if (granted->timer) granted->timer->cancel();
    });
    k.waiters.pop_front();
    --depth_;
    round_robin_.pop_front();
    if (!k.waiters.empty()) round_robin_.push_back(key);
    skipped = 0;
  }
  if (next != Clock::time_point::max()) arm(next);
  update_depth_gauge();
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
  if (output_used) {
    auto used = std::min(*output_used, grant.output_reserved);
    output_tpm_.give_back(static_cast<double>(grant.output_reserved - used), now);
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
  until = std::min(until, now_() + max_pause_);
  if (until <= paused_until_) return;
  paused_until_ = until;
  if (metrics_) metrics_->cooldowns.add({});
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
  {
    std::lock_guard lock(mutex_);
    if (limits.requests.remaining) rpm_.limit_to(*limits.requests.remaining, now);
    if (limits.input_tokens.remaining) input_tpm_.limit_to(*limits.input_tokens.remaining, now);
    if (limits.output_tokens.remaining) output_tpm_.limit_to(*limits.output_tokens.remaining, now);
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
  if (!rpm_.unlimited()) seconds = std::max(seconds, ahead / rpm_.per_second());
  return std::max(1LL, static_cast<long long>(std::ceil(seconds)));
}

void AdmissionQueue::update_depth_gauge() {
  if (metrics_) metrics_->queue_depth.set({}, static_cast<double>(depth_));
}

}  // namespace gw
