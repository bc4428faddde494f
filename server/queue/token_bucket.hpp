#pragma once

// A per-minute budget refilled continuously: `per_minute` units spread over the minute,
// at most a minute's worth banked. Pure: the caller passes the time. Not thread-safe;
// the admission queue guards it.

#include <chrono>
#include <cstdint>

namespace gw {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // per_minute 0: unlimited (everything fits, always). A fraction is a budget's share
  // among replicas.
  explicit TokenBucket(double per_minute = 0, Clock::time_point now = Clock::now());

  bool unlimited() const { return capacity_ <= 0; }
  // Whether `amount` can be taken now. An amount above the capacity fits a full bucket,
  // so that one oversized request waits for a full minute's budget instead of forever.
  bool fits(double amount, Clock::time_point now);
  void take(double amount, Clock::time_point now);
  void give_back(double amount, Clock::time_point now);
  // How long until `amount` fits (zero when it fits now).
  Clock::duration time_until(double amount, Clock::time_point now);
  // Upstream says only `remaining` is left: never believe there is more.
  void limit_to(double remaining, Clock::time_point now);
  double level(Clock::time_point now);
  double per_second() const { return rate_; }

 private:
  void refill(Clock::time_point now);
  double need(double amount) const { return amount < capacity_ ? amount : capacity_; }

  double capacity_;
  double rate_;  // per second
  double level_;
  Clock::time_point last_;
};

}  // namespace gw
