#pragma once

// The time-based part of admission: requests, input tokens and output tokens per minute,
// gateway-wide and per client key. The admission queue keeps what is this process's own
// (concurrency, fairness, its waiters) and asks a RateBudget whether its next request fits
// the budgets; with several replicas on one Redis the budget is theirs together.
//
// A budget is a plain object: the caller passes the time, and calls it from one thread at
// a time. A shared one blocks on a round trip (see AdmissionQueue: it is then called on the
// blocking pool, never under the queue's mutex).

#include <chrono>
#include <cstdint>
#include <string>

namespace gw {

// What one admission would take: one request from the gateway's and the key's request
// budgets, its estimated input and its reserved output tokens.
struct BudgetAsk {
  std::string key;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
};

struct BudgetVerdict {
  using Duration = std::chrono::steady_clock::duration;
  bool taken = false;   // everything was taken; else nothing was
  Duration wait{};      // until the gateway-wide budgets (and cooldown) would allow it
  Duration key_wait{};  // until the key's own budget would
  Duration cooldown{};  // part of `wait`: a cooldown shared by another replica
  bool shared = false;  // taken from the shared budget (what is given back goes there)
};

// What comes back after an admission: unused output tokens, or a whole admission that was
// taken for a waiter gone meanwhile.
struct BudgetReturn {
  std::string key;
  std::uint64_t requests = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  bool shared = false;  // BudgetVerdict::shared of the admission it comes from
};

// Upstream's anthropic-ratelimit-*-remaining: the budgets never believe in more.
struct BudgetRemaining {
  double requests = -1;  // negative: not said
  double input_tokens = -1;
  double output_tokens = -1;
};

class RateBudget {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~RateBudget() = default;

  // Takes all of `ask` or nothing, and says how long until it would fit.
  virtual BudgetVerdict try_take(const BudgetAsk& ask, Clock::time_point now) = 0;
  virtual void give_back(const BudgetReturn& back, Clock::time_point now) = 0;
  virtual void limit_to(const BudgetRemaining& remaining, Clock::time_point now) = 0;
  // Tells the other replicas about a cooldown this one started (the queue keeps its own).
  virtual void share_pause(Clock::duration pause) = 0;
};

}  // namespace gw
