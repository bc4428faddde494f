#pragma once

#include "server/store/conversation_store.hpp"

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace gw {

// Messages by session and position, kept in memory up to a byte budget, least recently
// used sessions dropped first. A history is append-only and a session's key (its SQLite
// `seq`) is never reused, so a message once read or committed stays true for as long as
// its session exists, whoever else writes to the file: the next turn's context comes from
// here instead of a read of every message (the largest part of a turn's store work by
// instruction count). Thread-safe.
class MessageCache {
 public:
  explicit MessageCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Messages [from, to) of session `key`, when every one of them is here.
  std::optional<std::vector<StoredMessage>> get(std::int64_t key, std::int64_t from,
                                                std::int64_t to);
  // Messages [from, from + messages.size()) of session `key`, as read or committed.
  void put(std::int64_t key, std::int64_t from, const std::vector<StoredMessage>& messages);
  // Drops the session's messages in [from, to): trimmed out of its context window, they
  // are not asked for again.
  void forget(std::int64_t key, std::int64_t from, std::int64_t to);
  void erase(std::int64_t key);

  std::size_t bytes() const;

 private:
  struct Session {
    std::map<std::int64_t, StoredMessage> messages;
    std::size_t bytes = 0;
    std::list<std::int64_t>::iterator lru;
  };
  static std::size_t size_of(const StoredMessage& m);
  void touch(Session& s);
  void drop(std::unordered_map<std::int64_t, Session>::iterator it);
  void evict();

  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, Session> sessions_;
  std::list<std::int64_t> lru_;  // most recent first
  std::size_t bytes_ = 0;
};

}  // namespace gw
