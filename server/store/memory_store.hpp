#pragma once

#include "server/store/conversation_store.hpp"

#include <map>
#include <mutex>
#include <unordered_map>

namespace gw {

// Conversations in process memory: gone on restart. For tests and throwaway runs.
class MemoryStore final : public ConversationStore {
 public:
  void create_session(const SessionRecord& session,
                      const std::vector<StoredMessage>& seed) override;
  std::optional<SessionRecord> get_session(const std::string& id) override;
  SessionPage list_sessions(const std::string& owner, std::size_t limit,
                            const std::string& after_id, std::size_t max_bytes) override;
  std::optional<SessionRecord> update_session(const std::string& id, const SessionPatch& patch,
                                              EpochMillis at) override;
  bool delete_session(const std::string& id) override;
  std::vector<StoredMessage> messages(const std::string& id) override;
  std::optional<Context> context(const std::string& id, std::size_t recent) override;
  CommitResult commit_turn(const TurnCommit& turn) override;
  std::size_t purge_idle(EpochMillis idle_before) override;
  void ping() override {}

 private:
  struct Entry {
    std::uint64_t order;  // creation order: "newest first" must not depend on clock ties
    SessionRecord session;
    std::vector<StoredMessage> messages;
  };
  std::mutex mutex_;
  std::uint64_t next_order_ = 0;
  std::unordered_map<std::string, Entry> sessions_;
  std::map<std::uint64_t, std::string> by_order_;
};

}  // namespace gw
