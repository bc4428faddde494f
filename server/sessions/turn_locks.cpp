#include "server/sessions/turn_locks.hpp"

#include "server/common/ids.hpp"
#include "server/common/log.hpp"
#include "server/redis/redis_errors.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <vector>

namespace gw {

namespace {

const RedisScript& release_script() {
  static const RedisScript s(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua");
  return s;
}

// KEYS: the held locks; ARGV: ttl, then each one's token. Returns 1 per lock still held
// (and extended), 0 per lock lost.
const RedisScript& renew_script() {
  static const RedisScript s(R"lua(
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i + 1] then
    redis.call('PEXPIRE', key, ARGV[1])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
)lua");
  return s;
}

}  // namespace

TurnLocks::TurnLocks(std::shared_ptr<RedisClient> redis, std::string prefix,
                     std::chrono::milliseconds ttl, BlockingPool& blocking)
    : redis_(std::move(redis)), prefix_(std::move(prefix)), ttl_(ttl), blocking_(&blocking) {}

std::optional<TurnLocks::Held> TurnLocks::try_acquire(const std::string& session_id) {
  {
    std::lock_guard lock(mutex_);
    if (!running_.emplace(session_id, std::string()).second) return std::nullopt;
  }
  std::optional<Held> held(std::in_place, *this, session_id);
  if (!redis_) return held;
  // From here a throw lets go of the local lock through `held`'s destructor.
  std::string key = prefix_ + "turn-lock:" + session_id;
  std::string token = make_id("lock_");
  auto reply = redis_->command({"SET", key, token, "NX", "PX", std::to_string(ttl_.count())});
  if (reply.is_error()) throw RedisCommandError("redis SET: " + reply.str);
  if (reply.is_nil()) return std::nullopt;  // another gateway runs a turn there
  held->key_ = std::move(key);
  held->token_ = std::move(token);
  std::lock_guard lock(mutex_);
  running_[session_id] = held->token_;
  return held;
}

void TurnLocks::release(const std::string& id, const std::string& key, const std::string& token) {
  {
    std::lock_guard lock(mutex_);
    running_.erase(id);
  }
  if (token.empty() || !redis_) return;
  // Not awaited: the turn's answer does not wait on it. Should it fail, the key expires.
  blocking_->post([redis = redis_, key, token] {
    try {
      redis->eval(release_script(), {key}, {token});
    } catch (const std::exception& e) {
      log::warn("turn lock not released; it expires", {{"key", key}, {"error", e.what()}});
    }
  });
}

void TurnLocks::start(boost::asio::any_io_executor ex) {
  if (!redis_) return;
  boost::asio::co_spawn(ex, renew_loop(), boost::asio::detached);
}

boost::asio::awaitable<void> TurnLocks::renew_loop() {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    timer.expires_after(ttl_ / 3);
    co_await timer.async_wait(boost::asio::use_awaitable);
    std::vector<std::string> keys;
    std::vector<std::string> args{std::to_string(ttl_.count())};
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, token] : running_) {
        if (token.empty()) continue;
        keys.push_back(prefix_ + "turn-lock:" + id);
        args.push_back(token);
      }
    }
    if (keys.empty()) continue;
    auto renewed =
        co_await blocking_->run([&] { return redis_->eval(renew_script(), keys, args); });
    if (!renewed.ok()) {
      log::warn("turn locks not renewed", {{"error", renewed.error}});
      continue;
    }
    for (std::size_t i = 0; i < keys.size() && i < renewed.value->elements.size(); ++i) {
      if (renewed.value->elements[i].integer == 0) {
        // The turn goes on, but its commit will be refused (kLockLost).
        log::warn("turn lock lost", {{"key", keys[i]}});
      }
    }
  }
}

}  // namespace gw
