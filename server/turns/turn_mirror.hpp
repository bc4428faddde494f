#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/redis/redis_client.hpp"
#include "server/turns/turn_record.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gw {

// The turns of this gateway, copied into Redis for the others (store.backend: redis): a
// browser whose EventSource reconnects to another replica resumes there with Last-Event-ID.
// Per turn: a hash <prefix>turn:<id> (session, owner, status), a stream
// <prefix>turn-events:<id> whose entry ids are 0-<seq> (the event's own sequence number,
// so a resume is an exact XRANGE), and <prefix>turn-alive:<id>, a key with an expiry that
// this gateway renews while the turn runs. A reader elsewhere that finds the turn running
// but its alive key gone (the gateway died) marks it failed, with a last `error` event.
//
// The owning side never waits on Redis: writes are queued per turn and flushed in order
// by one blocking-pool job at a time per turn. The reading side blocks (blocking pool).
class TurnMirror {
 public:
  TurnMirror(std::shared_ptr<RedisClient> redis, std::string prefix,
             std::chrono::milliseconds alive_ttl, std::chrono::milliseconds keep,
             BlockingPool& blocking);

  // The owning side, in the turn's order.
  void started(const TurnRecord& record);
  void appended(const std::string& turn_id,
                const std::vector<std::pair<std::uint64_t, std::string>>& events);
  void finished(const TurnRecord& record, TurnStatus status);
  // Renews the alive keys of the running turns every third of alive_ttl, on `ex`.
  void start(boost::asio::any_io_executor ex);

  // The reading side (blocking).
  struct Found {
    std::string session_id;
    std::string owner;
    std::string status;
  };
  std::optional<Found> find(const std::string& turn_id);
  struct Read {
    std::string text;        // SSE-framed events after `after`, in order
    std::uint64_t last = 0;  // the last one's sequence number (else `after`)
    bool ended = false;      // the turn is over and nothing after `last` is left
  };
  Read read_after(const std::string& turn_id, std::uint64_t after, std::size_t max_events);

 private:
  struct Pending {
    std::deque<std::vector<RedisCommand>> batches;
    bool flushing = false;
  };
  void enqueue(const std::string& turn_id, std::vector<RedisCommand> commands);
  void flush(const std::string& turn_id);
  boost::asio::awaitable<void> renew_loop();

  std::shared_ptr<RedisClient> redis_;
  std::string prefix_;
  std::chrono::milliseconds alive_ttl_;
  std::chrono::milliseconds keep_;
  BlockingPool& blocking_;
  std::mutex mutex_;
  std::unordered_map<std::string, Pending> pending_;
  std::unordered_map<std::string, bool> running_;  // turn ids whose alive key we renew
};

}  // namespace gw
