#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace gw::test {

// Polls until `done` or a generous deadline. The deadline only guards against a hang; it
// is not a timing assertion.
inline bool eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace gw::test
