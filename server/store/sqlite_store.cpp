#include "server/store/sqlite_store.hpp"

#include "server/store/sqlite_schema.hpp"

namespace gw {

namespace {

constexpr const char* kSessionColumns =
    "seq, id, owner, model, system_json, max_tokens, metadata_json, message_count, "
    "pinned_count, input_tokens, output_tokens, created_at, updated_at";

std::string select_sessions(const char* where) {
  return std::string("SELECT ") + kSessionColumns + " FROM sessions " + where;
}

SessionRecord read_session(const SqliteStatement& s) {
  SessionRecord r;
  r.id = s.text_at(1);
  r.owner = s.text_at(2);
  r.model = s.text_at(3);
  r.system_json = s.text_at(4);
  r.max_tokens = static_cast<int>(s.int_at(5));
  r.metadata_json = s.text_at(6);
  r.message_count = static_cast<std::uint64_t>(s.int_at(7));
  r.pinned_count = static_cast<std::uint64_t>(s.int_at(8));
  r.usage.input_tokens = static_cast<std::uint64_t>(s.int_at(9));
  r.usage.output_tokens = static_cast<std::uint64_t>(s.int_at(10));
  r.created_at = s.int_at(11);
  r.updated_at = s.int_at(12);
  return r;
}

std::int64_t to_i64(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}

}  // namespace

struct SqliteStore::Statements {
  explicit Statements(SqliteDb& db)
      : begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        insert_session(db,
                       "INSERT INTO sessions (id, owner, model, system_json, max_tokens, "
                       "metadata_json, message_count, pinned_count, created_at, updated_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)"),
        insert_message(db,
                       "INSERT INTO messages (session_seq, position, role, content_json, "
                       "turn_id) VALUES (?1, ?2, ?3, ?4, ?5)"),
        by_id(db, select_sessions("WHERE id = ?1").c_str()),
        page_first(db, select_sessions("WHERE owner = ?1 ORDER BY seq DESC LIMIT ?2").c_str()),
        page_after(
            db,
            select_sessions("WHERE owner = ?1 AND seq < ?3 ORDER BY seq DESC LIMIT ?2").c_str()),
        update(db,
               "UPDATE sessions SET model = coalesce(?2, model), "
               "system_json = coalesce(?3, system_json), max_tokens = coalesce(?4, max_tokens), "
               "metadata_json = coalesce(?5, metadata_json), updated_at = ?6 WHERE seq = ?1"),
        remove(db, "DELETE FROM sessions WHERE id = ?1"),
        messages_range(db,
                       "SELECT role, content_json, turn_id FROM messages WHERE session_seq = ?1 "
                       "AND position >= ?2 AND position < ?3 ORDER BY position"),
        add_turn(db,
                 "UPDATE sessions SET message_count = message_count + ?2, "
                 "input_tokens = input_tokens + ?3, output_tokens = output_tokens + ?4, "
                 "updated_at = ?5 WHERE seq = ?1"),
        purge(db, "DELETE FROM sessions WHERE updated_at < ?1"),
        ping(db, "SELECT count(*) FROM sqlite_master") {}

  SqliteStatement begin, commit, rollback;
  SqliteStatement insert_session, insert_message, by_id, page_first, page_after, update, remove;
  SqliteStatement messages_range, add_turn, purge, ping;
};

// BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails half way
// on a lock upgrade; anything but commit() rolls back.
class SqliteStore::Transaction {
 public:
  explicit Transaction(Statements& st) : st_(st) { st_.begin.run(); }
  ~Transaction() {
    if (!done_) {
      try {
        st_.rollback.run();
      } catch (...) {
        // Rolling back after a failed statement can itself fail when SQLite already
        // rolled back; the transaction is over either way.
      }
    }
  }
  void commit() {
    st_.commit.run();
    done_ = true;
  }

 private:
  Statements& st_;
  bool done_ = false;
};

SqliteStore::SqliteStore(const std::string& path, bool synchronous_full)
    : db_(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX) {
  // Another process (a second gateway on the same file, an operator's sqlite3 shell)
  // holding the lock briefly is waited for rather than failing the request.
  sqlite3_busy_timeout(db_.get(), 5000);
  db_.exec("PRAGMA journal_mode = WAL");
  db_.exec(synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  db_.exec("PRAGMA foreign_keys = ON");
  migrate_schema(db_);
  st_ = std::make_unique<Statements>(db_);
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::create_session(const SessionRecord& s, const std::vector<StoredMessage>& seed) {
  std::lock_guard lock(mutex_);
  Transaction tx(*st_);
  {
    StatementUse q(st_->insert_session);
    q->bind(1, s.id).bind(2, s.owner).bind(3, s.model).bind(4, s.system_json);
    q->bind(5, std::int64_t{s.max_tokens}).bind(6, s.metadata_json);
    q->bind(7, to_i64(seed.size())).bind(8, s.created_at).bind(9, s.updated_at);
    q->step();
  }
  const std::int64_t seq = sqlite3_last_insert_rowid(db_.get());
  for (std::size_t i = 0; i < seed.size(); ++i) {
    StatementUse q(st_->insert_message);
    q->bind(1, seq).bind(2, to_i64(i)).bind(3, seed[i].role).bind(4, seed[i].content_json);
    q->bind(5, seed[i].turn_id).step();
  }
  tx.commit();
}

std::optional<std::pair<std::int64_t, SessionRecord>> SqliteStore::find(const std::string& id) {
  StatementUse q(st_->by_id);
  q->bind(1, id);
  if (!q->step()) return std::nullopt;
  return std::make_pair(st_->by_id.int_at(0), read_session(st_->by_id));
}

std::vector<StoredMessage> SqliteStore::read_messages(std::int64_t seq, std::int64_t from,
                                                      std::int64_t to) {
  std::vector<StoredMessage> out;
  StatementUse q(st_->messages_range);
  q->bind(1, seq).bind(2, from).bind(3, to);
  while (q->step()) {
    const auto& s = st_->messages_range;
    out.push_back(StoredMessage{s.text_at(0), s.text_at(1), s.text_at(2)});
  }
  return out;
}

std::optional<SessionRecord> SqliteStore::get_session(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto found = find(id);
  if (!found) return std::nullopt;
  return std::move(found->second);
}

SessionPage SqliteStore::list_sessions(const std::string& owner, std::size_t limit,
                                       const std::string& after_id) {
  std::lock_guard lock(mutex_);
  SessionPage page;
  std::optional<std::int64_t> after;
  if (!after_id.empty()) {
    auto found = find(after_id);
    if (!found) return page;
    after = found->first;
  }
  SqliteStatement& stmt = after ? st_->page_after : st_->page_first;
  StatementUse q(stmt);
  // One more than asked tells whether there is a next page.
  q->bind(1, owner).bind(2, to_i64(limit + 1));
  if (after) q->bind(3, *after);
  while (q->step()) {
    if (page.sessions.size() == limit) {
      page.has_more = true;
      break;
    }
    page.sessions.push_back(read_session(stmt));
  }
  return page;
}

std::optional<SessionRecord> SqliteStore::update_session(const std::string& id,
                                                         const SessionPatch& patch,
                                                         EpochMillis at) {
  std::lock_guard lock(mutex_);
  Transaction tx(*st_);
  auto found = find(id);
  if (!found) return std::nullopt;
  {
    StatementUse q(st_->update);
    q->bind(1, found->first);
    patch.model ? q->bind(2, *patch.model) : q->bind_null(2);
    patch.system_json ? q->bind(3, *patch.system_json) : q->bind_null(3);
    patch.max_tokens ? q->bind(4, std::int64_t{*patch.max_tokens}) : q->bind_null(4);
    patch.metadata_json ? q->bind(5, *patch.metadata_json) : q->bind_null(5);
    q->bind(6, at).step();
  }
  auto updated = find(id);
  tx.commit();
  return updated ? std::optional(std::move(updated->second)) : std::nullopt;
}

bool SqliteStore::delete_session(const std::string& id) {
  std::lock_guard lock(mutex_);
  StatementUse q(st_->remove);
  q->bind(1, id).step();
  return sqlite3_changes(db_.get()) > 0;
}

std::vector<StoredMessage> SqliteStore::messages(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto found = find(id);
  if (!found) return {};
  return read_messages(found->first, 0, to_i64(found->second.message_count));
}

std::optional<ConversationStore::Context> SqliteStore::context(const std::string& id,
                                                               std::size_t recent) {
  std::lock_guard lock(mutex_);
  auto found = find(id);
  if (!found) return std::nullopt;
  const std::int64_t seq = found->first;
  const SessionRecord& s = found->second;
  Context ctx{s, {}, {}};
  const auto pinned = to_i64(s.pinned_count);
  const auto count = to_i64(s.message_count);
  std::int64_t first = pinned;
  if (recent > 0 && count - pinned > to_i64(recent)) first = count - to_i64(recent);
  ctx.pinned = read_messages(seq, 0, pinned);
  ctx.recent = read_messages(seq, first, count);
  return ctx;
}

CommitResult SqliteStore::commit_turn(const TurnCommit& turn) {
  std::lock_guard lock(mutex_);
  Transaction tx(*st_);
  auto found = find(turn.session_id);
  if (!found) return CommitResult::kNotFound;
  if (found->second.message_count != turn.expected_message_count) return CommitResult::kConflict;
  const std::int64_t seq = found->first;
  auto position = to_i64(turn.expected_message_count);
  for (const auto& m : turn.messages) {
    StatementUse q(st_->insert_message);
    q->bind(1, seq).bind(2, position++).bind(3, m.role).bind(4, m.content_json);
    q->bind(5, m.turn_id).step();
  }
  {
    StatementUse q(st_->add_turn);
    q->bind(1, seq).bind(2, to_i64(turn.messages.size()));
    q->bind(3, to_i64(turn.usage.input_tokens)).bind(4, to_i64(turn.usage.output_tokens));
    q->bind(5, turn.at).step();
  }
  tx.commit();
  return CommitResult::kCommitted;
}

std::size_t SqliteStore::purge_idle(EpochMillis idle_before) {
  std::lock_guard lock(mutex_);
  StatementUse q(st_->purge);
  q->bind(1, idle_before).step();
  return static_cast<std::size_t>(sqlite3_changes(db_.get()));
}

void SqliteStore::ping() {
  std::lock_guard lock(mutex_);
  StatementUse q(st_->ping);
  q->step();
}

}  // namespace gw
