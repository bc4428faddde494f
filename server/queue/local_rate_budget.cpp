#include "server/queue/local_rate_budget.hpp"

#include <algorithm>

namespace gw {

LocalRateBudget::LocalRateBudget(const Config::Queue& config, const std::vector<ClientKey>& keys,
                                 std::uint64_t replicas, Clock::time_point now)
    : share_(1.0 / static_cast<double>(std::max<std::uint64_t>(replicas, 1))),
      rpm_(static_cast<double>(config.requests_per_minute) * share_, now),
      input_tpm_(static_cast<double>(config.input_tokens_per_minute) * share_, now),
      output_tpm_(static_cast<double>(config.output_tokens_per_minute) * share_, now) {
  for (const auto& k : keys) key_rpm_[k.name] = k.requests_per_minute;
}

TokenBucket& LocalRateBudget::key_bucket(const std::string& key, Clock::time_point now) {
  auto it = keys_.find(key);
  if (it != keys_.end()) return it->second;
  double per_minute = 0;
  if (auto l = key_rpm_.find(key); l != key_rpm_.end()) {
    per_minute = static_cast<double>(l->second) * share_;
  }
  return keys_.emplace(key, TokenBucket(per_minute, now)).first->second;
}

BudgetVerdict LocalRateBudget::try_take(const BudgetAsk& ask, Clock::time_point now) {
  auto& key = key_bucket(ask.key, now);
  const auto input = static_cast<double>(ask.input_tokens);
  const auto output = static_cast<double>(ask.output_tokens);
  BudgetVerdict v;
  v.key_wait = key.time_until(1, now);
  v.wait = std::max({rpm_.time_until(1, now), input_tpm_.time_until(input, now),
                     output_tpm_.time_until(output, now)});
  if (v.key_wait > Clock::duration::zero() || v.wait > Clock::duration::zero()) return v;
  key.take(1, now);
  rpm_.take(1, now);
  input_tpm_.take(input, now);
  output_tpm_.take(output, now);
  v.taken = true;
  return v;
}

void LocalRateBudget::give_back(const BudgetReturn& back, Clock::time_point now) {
  if (back.requests) {
    key_bucket(back.key, now).give_back(static_cast<double>(back.requests), now);
    rpm_.give_back(static_cast<double>(back.requests), now);
  }
  input_tpm_.give_back(static_cast<double>(back.input_tokens), now);
  output_tpm_.give_back(static_cast<double>(back.output_tokens), now);
}

void LocalRateBudget::limit_to(const BudgetRemaining& r, Clock::time_point now) {
  // Upstream's figure is everyone's: this replica's part of it.
  if (r.requests >= 0) rpm_.limit_to(r.requests * share_, now);
  if (r.input_tokens >= 0) input_tpm_.limit_to(r.input_tokens * share_, now);
  if (r.output_tokens >= 0) output_tpm_.limit_to(r.output_tokens * share_, now);
}

}  // namespace gw
