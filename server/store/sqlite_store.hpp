#pragma once

#include "server/store/conversation_store.hpp"
#include "server/store/message_cache.hpp"
#include "server/store/sqlite_statement.hpp"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gw {

// The embedded, durable store: one SQLite file in WAL mode. Writes go through one writer
// connection under a mutex (SQLite allows one writer at a time anyway); reads take one of
// several reader connections, so a context load never waits behind a commit (a read
// takes the writer's connection when no write runs: its cache is the warm one). WAL
// checkpoints (the only fsync-heavy step with synchronous=NORMAL) run on a thread of
// their own instead of inside whichever commit crosses the threshold. Statements are
// prepared once per connection. A turn is one transaction.
class SqliteStore final : public ConversationStore {
 public:
  // Opens or creates `path` and migrates its schema. `synchronous_full`: fsync on every
  // commit, so a committed turn also survives power loss (otherwise only a process crash).
  // `cache_bytes`: messages kept in memory for the next turns' contexts (MessageCache).
  // `on_hold`: told how long (seconds) each checkpoint held writes back, on its thread.
  SqliteStore(const std::string& path, bool synchronous_full, std::size_t readers = 2,
              std::size_t cache_bytes = kDefaultCacheBytes,
              std::function<void(double)> on_hold = {});
  static constexpr std::size_t kDefaultCacheBytes = 8 * 1024 * 1024;
  ~SqliteStore() override;

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
  void ping() override;

 private:
  struct Statements;
  struct Connection;
  class Transaction;
  class Reader;

  void checkpoint_loop();
  std::vector<StoredMessage> cached_messages(Connection& c, std::int64_t seq, std::int64_t from,
                                             std::int64_t to);

  std::string path_;
  MessageCache cache_;
  std::mutex write_mutex_;
  std::unique_ptr<Connection> writer_;

  std::mutex readers_mutex_;
  std::condition_variable reader_free_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;

  // The writer's WAL hook asks for a checkpoint; this thread does it on its own connection.
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_due_;
  bool checkpoint_requested_ = false;
  bool stopping_ = false;
  std::unique_ptr<SqliteDb> checkpoint_db_;
  std::function<void()> request_checkpoint_;
  const std::function<void(double)> on_hold_;
  std::thread checkpointer_;
};

}  // namespace gw
