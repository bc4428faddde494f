#include "server/store/memory_store.hpp"

namespace gw {

void MemoryStore::create_session(const SessionRecord& session,
                                 const std::vector<StoredMessage>& seed) {
  std::lock_guard lock(mutex_);
  Entry entry{next_order_++, session, seed};
  entry.session.message_count = seed.size();
  entry.session.pinned_count = seed.size();
  by_order_.emplace(entry.order, session.id);
  sessions_.insert_or_assign(session.id, std::move(entry));
}

std::optional<SessionRecord> MemoryStore::get_session(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second.session;
}

SessionPage MemoryStore::list_sessions(const std::string& owner, std::size_t limit,
                                       const std::string& after_id, std::size_t max_bytes) {
  std::lock_guard lock(mutex_);
  SessionPage page;
  auto it = by_order_.rbegin();
  if (!after_id.empty()) {
    auto after = sessions_.find(after_id);
    if (after == sessions_.end() || after->second.session.owner != owner) return page;
    it = std::make_reverse_iterator(by_order_.find(after->second.order));
  }
  std::size_t bytes = 0;
  for (; it != by_order_.rend(); ++it) {
    const SessionRecord& s = sessions_.at(it->second).session;
    if (s.owner != owner) continue;
    bytes += listed_bytes(s);
    if (page.sessions.size() == limit || (!page.sessions.empty() && bytes > max_bytes)) {
      page.has_more = true;
      break;
    }
    page.sessions.push_back(s);
  }
  return page;
}

std::optional<SessionRecord> MemoryStore::update_session(const std::string& id,
                                                         const SessionPatch& patch,
                                                         EpochMillis at) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  SessionRecord& s = it->second.session;
  if (patch.model) s.model = *patch.model;
  if (patch.system_json) s.system_json = *patch.system_json;
  if (patch.max_tokens) s.max_tokens = *patch.max_tokens;
  if (patch.metadata_json) s.metadata_json = *patch.metadata_json;
  if (patch.tools_json) s.tools_json = *patch.tools_json;
  if (patch.tool_choice_json) s.tool_choice_json = *patch.tool_choice_json;
  if (patch.thinking_json) s.thinking_json = *patch.thinking_json;
  if (patch.cache) s.cache = *patch.cache;
  if (patch.cache_ttl) s.cache_ttl = *patch.cache_ttl;
  s.updated_at = at;
  return s;
}

bool MemoryStore::delete_session(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  by_order_.erase(it->second.order);
  sessions_.erase(it);
  return true;
}

std::vector<StoredMessage> MemoryStore::messages(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return {};
  return it->second.messages;
}

std::optional<ConversationStore::Context> MemoryStore::context(const std::string& id,
                                                               std::size_t recent) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  const Entry& e = it->second;
  Context ctx{e.session, {}, {}};
  const std::size_t pinned = e.session.pinned_count;
  ctx.pinned.assign(e.messages.begin(), e.messages.begin() + static_cast<std::ptrdiff_t>(pinned));
  std::size_t first = pinned;
  if (recent > 0 && e.messages.size() - pinned > recent) first = e.messages.size() - recent;
  ctx.recent.assign(e.messages.begin() + static_cast<std::ptrdiff_t>(first), e.messages.end());
  return ctx;
}

CommitResult MemoryStore::commit_turn(const TurnCommit& turn) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(turn.session_id);
  if (it == sessions_.end()) return CommitResult::kNotFound;
  Entry& e = it->second;
  if (e.session.message_count != turn.expected_message_count) return CommitResult::kConflict;
  e.messages.insert(e.messages.end(), turn.messages.begin(), turn.messages.end());
  e.session.message_count = e.messages.size();
  e.session.usage += turn.usage;
  e.session.updated_at = turn.at;
  return CommitResult::kCommitted;
}

std::size_t MemoryStore::purge_idle(EpochMillis idle_before) {
  std::lock_guard lock(mutex_);
  std::size_t purged = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.session.updated_at < idle_before) {
      by_order_.erase(it->second.order);
      it = sessions_.erase(it);
      ++purged;
    } else {
      ++it;
    }
  }
  return purged;
}

}  // namespace gw
