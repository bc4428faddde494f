#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

namespace gw {

// One turn at a time per session, across all workers of this process (API.md: a second
// concurrent turn gets 409). Across processes the store's commit check catches it.
class TurnLocks {
 public:
  class Held {
   public:
    Held(TurnLocks& locks, std::string id) : locks_(&locks), id_(std::move(id)) {}
    Held(Held&& other) noexcept : locks_(std::exchange(other.locks_, nullptr)), id_(other.id_) {}
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    Held& operator=(Held&&) = delete;
    ~Held() {
      if (locks_) locks_->release(id_);
    }

   private:
    TurnLocks* locks_;
    std::string id_;
  };

  // nullopt when a turn is already running in `session_id`.
  std::optional<Held> try_acquire(const std::string& session_id) {
    std::lock_guard lock(mutex_);
    if (!running_.insert(session_id).second) return std::nullopt;
    return std::optional<Held>(std::in_place, *this, session_id);
  }

 private:
  void release(const std::string& id) {
    std::lock_guard lock(mutex_);
    running_.erase(id);
  }

  std::mutex mutex_;
  std::unordered_set<std::string> running_;
};

}  // namespace gw
