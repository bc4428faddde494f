#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/redis/redis_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace gw {

// One turn at a time per session (API.md: a second concurrent turn gets 409). Within this
// process by a set of running sessions; across gateways sharing a Redis store also by a
// Redis key per session (SET NX with an expiry, this turn's random token as its value),
// renewed every third of its life while the turn runs, and deleted by the commit that ends
// the turn (in the same step, so the client's next turn never meets it) or, on the paths
// that commit nothing, when the turn lets go. A gateway that dies leaves its key to expire; a turn
// whose key expired (its gateway stalled past the ttl) cannot commit: the store's commit checks the
// token in the same step as it appends.
class TurnLocks {
 public:
  TurnLocks() = default;
  // Shared through `redis` (keys <prefix>turn-lock:<session id>); releases and renewals run
  // on `blocking`.
  TurnLocks(std::shared_ptr<RedisClient> redis, std::string prefix, std::chrono::milliseconds ttl,
            BlockingPool& blocking);

  // A held lock; gives itself back when destroyed.
  class Held {
   public:
    Held(TurnLocks& locks, std::string id) : locks_(&locks), id_(std::move(id)) {}
    Held(Held&& other) noexcept
        : locks_(std::exchange(other.locks_, nullptr)),
          id_(std::move(other.id_)),
          key_(std::move(other.key_)),
          token_(std::move(other.token_)) {}
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    Held& operator=(Held&&) = delete;
    ~Held() {
      if (locks_) locks_->release(id_, key_, token_);
    }
    // For the store's commit check; empty when the lock is this process's only.
    const std::string& key() const { return key_; }
    const std::string& token() const { return token_; }
    // The store's commit deleted the shared key with the turn's messages: only the local
    // lock is left to give back.
    void committed() { token_.clear(); }

   private:
    friend class TurnLocks;
    TurnLocks* locks_;
    std::string id_;
    std::string key_;
    std::string token_;
  };

  // nullopt when a turn is already running in `session_id` (in this process, or with a
  // shared lock in any). Throws what the Redis call throws (RedisUnavailable: 503).
  // Blocking when shared: call it on the blocking pool.
  std::optional<Held> try_acquire(const std::string& session_id);
  bool shared() const { return redis_ != nullptr; }

  // With shared locks: renews the held ones every third of the ttl, on `ex`, until its
  // context stops.
  void start(boost::asio::any_io_executor ex);

 private:
  void release(const std::string& id, const std::string& key, const std::string& token);
  boost::asio::awaitable<void> renew_loop();

  std::mutex mutex_;
  std::unordered_map<std::string, std::string> running_;  // session id -> shared key's token
  std::shared_ptr<RedisClient> redis_;
  std::string prefix_;
  std::chrono::milliseconds ttl_{0};
  BlockingPool* blocking_ = nullptr;
};

}  // namespace gw
