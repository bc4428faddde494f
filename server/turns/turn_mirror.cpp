#include "server/turns/turn_mirror.hpp"

#include "server/common/log.hpp"
#include "server/redis/redis_errors.hpp"
#include "server/sse/sse_writer.hpp"
#include "server/turns/turn_replay.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>

namespace gw {

namespace {

// KEYS: hash, stream, alive key. ARGV: after, count, the failure event's text before and
// after its sequence number. Returns {status, entries}; a running turn whose gateway is
// gone (no alive key) and that has nothing more to read is first marked failed.
const RedisScript& read_script() {
  static const RedisScript s(R"lua(
local function range() return redis.call('XRANGE', KEYS[2], '(0-' .. ARGV[1], '+', 'COUNT', ARGV[2]) end
local entries = range()
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if #entries == 0 and status == 'running' and redis.call('EXISTS', KEYS[3]) == 0 then
  local seq = 0
  local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if #last > 0 then seq = tonumber(string.match(last[1][1], '-(%d+)$')) end
  redis.call('XADD', KEYS[2], '0-' .. (seq + 1), 'e', ARGV[3] .. (seq + 1) .. ARGV[4])
  redis.call('HSET', KEYS[1], 'status', 'failed')
  status = 'failed'
  entries = range()
end
return {status, entries}
)lua");
  return s;
}

std::uint64_t seq_of_entry(const std::string& id) {
  std::uint64_t seq = 0;
  const auto dash = id.find('-');
  if (dash != std::string::npos) std::from_chars(id.data() + dash + 1, id.data() + id.size(), seq);
  return seq;
}

}  // namespace

TurnMirror::TurnMirror(std::shared_ptr<RedisClient> redis, std::string prefix,
                       std::chrono::milliseconds alive_ttl, std::chrono::milliseconds keep,
                       BlockingPool& blocking)
    : redis_(std::move(redis)),
      prefix_(std::move(prefix)),
      alive_ttl_(alive_ttl),
      keep_(keep),
      blocking_(blocking) {}

void TurnMirror::started(const TurnRecord& r) {
  const std::string hash = prefix_ + "turn:" + r.id();
  {
    std::lock_guard lock(mutex_);
    running_[r.id()] = true;
  }
  // Until it ends, the hash outlives any turn (a dead gateway's are cleaned by expiry).
  const auto running_keep = std::to_string((keep_ + std::chrono::hours(24)).count());
  enqueue(
      r.id(),
      {{"HSET", hash, "session", r.session_id(), "owner", r.owner(), "status", "running"},
       {"PEXPIRE", hash, running_keep},
       {"SET", prefix_ + "turn-alive:" + r.id(), "1", "PX", std::to_string(alive_ttl_.count())}});
}

void TurnMirror::appended(const std::string& turn_id,
                          const std::vector<std::pair<std::uint64_t, std::string>>& events) {
  if (events.empty()) return;
  const std::string stream = prefix_ + "turn-events:" + turn_id;
  std::vector<RedisCommand> commands;
  commands.reserve(events.size());
  for (const auto& [seq, text] : events) {
    commands.push_back({"XADD", stream, "0-" + std::to_string(seq), "e", text});
  }
  enqueue(turn_id, std::move(commands));
}

void TurnMirror::finished(const TurnRecord& r, TurnStatus status) {
  {
    std::lock_guard lock(mutex_);
    running_.erase(r.id());
  }
  const auto keep = std::to_string(keep_.count());
  // After every event (the same queue): a reader that sees the status has all of them.
  enqueue(r.id(), {{"HSET", prefix_ + "turn:" + r.id(), "status", std::string(to_string(status))},
                   {"PEXPIRE", prefix_ + "turn:" + r.id(), keep},
                   {"PEXPIRE", prefix_ + "turn-events:" + r.id(), keep},
                   {"DEL", prefix_ + "turn-alive:" + r.id()}});
}

void TurnMirror::enqueue(const std::string& turn_id, std::vector<RedisCommand> commands) {
  std::lock_guard lock(mutex_);
  auto& p = pending_[turn_id];
  p.batches.push_back(std::move(commands));
  if (p.flushing) return;
  p.flushing = true;
  blocking_.post([this, turn_id] { flush(turn_id); });
}

void TurnMirror::flush(const std::string& turn_id) {
  for (;;) {
    std::vector<RedisCommand> commands;
    {
      std::lock_guard lock(mutex_);
      auto it = pending_.find(turn_id);
      if (it->second.batches.empty()) {
        pending_.erase(it);
        return;
      }
      for (auto& b : it->second.batches) {
        commands.insert(commands.end(), std::make_move_iterator(b.begin()),
                        std::make_move_iterator(b.end()));
      }
      it->second.batches.clear();
    }
    try {
      for (const auto& reply : redis_->pipeline(commands)) {
        if (reply.is_error()) throw RedisCommandError(reply.str);
      }
    } catch (const std::exception& e) {
      // Readers on this gateway are not affected; elsewhere they get a gap (or, with the
      // alive key gone, a failed turn).
      log::warn("turn events not copied to redis", {{"turn_id", turn_id}, {"error", e.what()}});
    }
  }
}

void TurnMirror::start(boost::asio::any_io_executor ex) {
  boost::asio::co_spawn(ex, renew_loop(), boost::asio::detached);
}

boost::asio::awaitable<void> TurnMirror::renew_loop() {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    timer.expires_after(alive_ttl_ / 3);
    co_await timer.async_wait(boost::asio::use_awaitable);
    std::vector<RedisCommand> commands;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, yes] : running_) {
        commands.push_back({"SET", prefix_ + "turn-alive:" + id, "1", "PX",
                            std::to_string(alive_ttl_.count()), "XX"});
      }
    }
    if (commands.empty()) continue;
    auto done = co_await blocking_.run([&] { return redis_->pipeline(commands).size(); });
    if (!done.ok()) log::warn("turn alive keys not renewed", {{"error", done.error}});
  }
}

std::optional<TurnMirror::Found> TurnMirror::find(const std::string& turn_id) {
  auto reply =
      redis_->command({"HMGET", prefix_ + "turn:" + turn_id, "session", "owner", "status"});
  if (reply.is_error()) throw RedisCommandError("redis HMGET: " + reply.str);
  if (reply.elements.size() != 3 || reply.elements[0].is_nil()) return std::nullopt;
  return Found{reply.elements[0].str, reply.elements[1].str, reply.elements[2].str};
}

TurnMirror::Read TurnMirror::read_after(const std::string& turn_id, std::uint64_t after,
                                        std::size_t max_events) {
  const std::string failure = sse_event(
      "error",
      R"({"type":"error","error":{"type":"api_error","message":"the gateway running this turn )"
      R"(stopped before the turn ended; the session has this turn only if it was committed"}})",
      turn_event_id(turn_id, 0));
  // Split around the placeholder sequence number 0: "id: <turn>.0\n..." -> before, after.
  const auto cut = failure.find('\n');
  const std::string before = failure.substr(0, cut - 1);
  const std::string rest = failure.substr(cut);
  auto reply = redis_->eval(read_script(),
                            {prefix_ + "turn:" + turn_id, prefix_ + "turn-events:" + turn_id,
                             prefix_ + "turn-alive:" + turn_id},
                            {std::to_string(after), std::to_string(max_events), before, rest});
  Read read;
  read.last = after;
  if (reply.is_nil()) {
    read.ended = true;  // expired meanwhile
    return read;
  }
  const auto& entries = reply.elements.at(1).elements;
  for (const auto& entry : entries) {
    // [id, [field, value]]
    read.last = seq_of_entry(entry.elements.at(0).str);
    read.text += entry.elements.at(1).elements.at(1).str;
  }
  read.ended = entries.empty() && reply.elements.at(0).str != "running";
  return read;
}

}  // namespace gw
