#include "server/store/message_cache.hpp"

namespace gw {

std::size_t MessageCache::size_of(const StoredMessage& m) {
  // The strings and the map node around them.
  return m.role.size() + m.content_json.size() + m.turn_id.size() + 160;
}

void MessageCache::touch(Session& s) {
  lru_.splice(lru_.begin(), lru_, s.lru);
}

void MessageCache::drop(std::unordered_map<std::int64_t, Session>::iterator it) {
  bytes_ -= it->second.bytes;
  lru_.erase(it->second.lru);
  sessions_.erase(it);
}

void MessageCache::evict() {
  while (bytes_ > max_bytes_ && !lru_.empty()) drop(sessions_.find(lru_.back()));
}

std::optional<std::vector<StoredMessage>> MessageCache::get(std::int64_t key, std::int64_t from,
                                                            std::int64_t to) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(key);
  if (it == sessions_.end())
    return from >= to ? std::optional(std::vector<StoredMessage>{}) : std::nullopt;
  auto& messages = it->second.messages;
  auto at = messages.find(from);
  std::vector<StoredMessage> out;
  out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, to - from)));
  for (std::int64_t position = from; position < to; ++position, ++at) {
    if (at == messages.end() || at->first != position) return std::nullopt;
    out.push_back(at->second);
  }
  touch(it->second);
  return out;
}

void MessageCache::put(std::int64_t key, std::int64_t from,
                       const std::vector<StoredMessage>& messages) {
  if (max_bytes_ == 0 || messages.empty()) return;
  std::lock_guard lock(mutex_);
  auto [it, added] = sessions_.try_emplace(key);
  Session& s = it->second;
  if (added) {
    lru_.push_front(key);
    s.lru = lru_.begin();
  } else {
    touch(s);
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto [at, inserted] = s.messages.try_emplace(from + static_cast<std::int64_t>(i), messages[i]);
    if (!inserted) continue;
    const auto size = size_of(at->second);
    s.bytes += size;
    bytes_ += size;
  }
  evict();
}

void MessageCache::forget(std::int64_t key, std::int64_t from, std::int64_t to) {
  if (from >= to) return;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  auto first = s.messages.lower_bound(from);
  auto last = s.messages.lower_bound(to);
  for (auto at = first; at != last; ++at) {
    const auto size = size_of(at->second);
    s.bytes -= size;
    bytes_ -= size;
  }
  s.messages.erase(first, last);
  if (s.messages.empty()) drop(it);
}

void MessageCache::erase(std::int64_t key) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(key);
  if (it != sessions_.end()) drop(it);
}

std::size_t MessageCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace gw
