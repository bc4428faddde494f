#pragma once

#include "server/store/conversation_store.hpp"
#include "server/store/sqlite_statement.hpp"

#include <memory>
#include <mutex>

namespace gw {

// The embedded, durable store: one SQLite file in WAL mode. One connection serves every
// call under a mutex (SQLite allows one writer at a time anyway), with its statements
// prepared once. A turn is one transaction.
class SqliteStore final : public ConversationStore {
 public:
  // Opens or creates `path` and migrates its schema. `synchronous_full`: fsync on every
  // commit, so a committed turn also survives power loss (otherwise only a process crash).
  SqliteStore(const std::string& path, bool synchronous_full);
  ~SqliteStore() override;

  void create_session(const SessionRecord& session,
                      const std::vector<StoredMessage>& seed) override;
  std::optional<SessionRecord> get_session(const std::string& id) override;
  SessionPage list_sessions(const std::string& owner, std::size_t limit,
                            const std::string& after_id) override;
  std::optional<SessionRecord> update_session(const std::string& id, const SessionPatch& patch,
                                              EpochMillis at) override;
  bool delete_session(const std::string& id) override;
  std::vector<StoredMessage> messages(const std::string& id) override;
  std::optional<Context> context(const std::string& id, std::size_t recent) override;
  CommitResult commit_turn(const TurnCommit& turn) override;
  std::size_t purge_idle(EpochMillis idle_before) override;
  void ping() override;

 private:
  struct Statements;
  class Transaction;

  std::optional<std::pair<std::int64_t, SessionRecord>> find(const std::string& id);
  std::vector<StoredMessage> read_messages(std::int64_t seq, std::int64_t from, std::int64_t to);

  std::mutex mutex_;
  SqliteDb db_;
  std::unique_ptr<Statements> st_;
};

}  // namespace gw
