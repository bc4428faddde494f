#include "server/queue/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace gw {

TokenBucket::TokenBucket(double per_minute, Clock::time_point now)
    : capacity_(per_minute), rate_(per_minute / 60.0), level_(capacity_), last_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= last_) return;
  double seconds = std::chrono::duration<double>(now - last_).count();
  level_ = std::min(capacity_, level_ + seconds * rate_);
  last_ = now;
}

double TokenBucket::level(Clock::time_point now) {
  refill(now);
  return level_;
}

bool TokenBucket::fits(double amount, Clock::time_point now) {
  if (unlimited()) return true;
  refill(now);
  // A hair of tolerance: refills are continuous, timers are not.
  return level_ + 1e-9 >= need(amount);
}

void TokenBucket::take(double amount, Clock::time_point now) {
  if (unlimited()) return;
  refill(now);
  level_ -= need(amount);
}

void TokenBucket::give_back(double amount, Clock::time_point now) {
  if (unlimited()) return;
  refill(now);
  level_ = std::min(capacity_, level_ + amount);
}

TokenBucket::Clock::duration TokenBucket::time_until(double amount, Clock::time_point now) {
  if (unlimited()) return Clock::duration::zero();
  refill(now);
  double missing = need(amount) - level_;
  if (missing <= 0) return Clock::duration::zero();
  auto d = std::chrono::duration<double>(missing / rate_);
  return std::chrono::ceil<Clock::duration>(d);
}

void TokenBucket::limit_to(double remaining, Clock::time_point now) {
  if (unlimited()) return;
  refill(now);
  level_ = std::min(level_, std::max(0.0, remaining));
}

}  // namespace gw
