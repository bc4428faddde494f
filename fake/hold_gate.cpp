#include "fake/hold_gate.hpp"

#include <algorithm>

namespace gw::fake {

std::shared_ptr<HoldGate::Signal> HoldGate::enter(const Signal::executor_type& executor) {
  // Capacity 1: a release that lands before the holder starts waiting is kept, not lost.
  auto signal = std::make_shared<Signal>(executor, 1);
  std::lock_guard lock(mutex_);
  held_.push_back(signal);
  ++total_;
  return signal;
}

void HoldGate::leave(const std::shared_ptr<Signal>& signal) {
  std::lock_guard lock(mutex_);
  held_.erase(std::remove(held_.begin(), held_.end(), signal), held_.end());
}

std::size_t HoldGate::release(std::size_t n) {
  std::lock_guard lock(mutex_);
  if (n == 0 || n > held_.size()) n = held_.size();
  for (std::size_t i = 0; i < n; ++i) {
    held_.front()->try_send(boost::system::error_code{});
    held_.pop_front();
  }
  return n;
}

std::size_t HoldGate::holding() const {
  std::lock_guard lock(mutex_);
  return held_.size();
}

std::uint64_t HoldGate::held_total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace gw::fake
