#include "server/store/sqlite_store.hpp"

#include "server/store/image_refs.hpp"
#include "server/store/sqlite_schema.hpp"
#include "server/store/store_lock_wait.hpp"

namespace gw {

namespace {

constexpr const char* kSessionColumns =
    "seq, id, owner, model, system_json, max_tokens, metadata_json, message_count, "
    "pinned_count, input_tokens, output_tokens, created_at, updated_at, tools_json, "
    "tool_choice_json, thinking_json, cache, cache_ttl, cache_creation_tokens, "
    "cache_read_tokens";

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
  r.tools_json = s.text_at(13);
  r.tool_choice_json = s.text_at(14);
  r.thinking_json = s.text_at(15);
  r.cache = s.text_at(16);
  r.cache_ttl = s.text_at(17);
  r.usage.cache_creation_input_tokens = static_cast<std::uint64_t>(s.int_at(18));
  r.usage.cache_read_input_tokens = static_cast<std::uint64_t>(s.int_at(19));
  return r;
}

std::int64_t to_i64(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}

}  // namespace

struct SqliteStore::Statements {
  explicit Statements(SqliteDb& db)
      : begin(db, "BEGIN IMMEDIATE"),
        begin_read(db, "BEGIN"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        insert_session(db,
                       "INSERT INTO sessions (id, owner, model, system_json, max_tokens, "
                       "metadata_json, message_count, pinned_count, created_at, updated_at, "
                       "tools_json, tool_choice_json, thinking_json, cache, cache_ttl) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                       "?14)"),
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
               "metadata_json = coalesce(?5, metadata_json), updated_at = ?6, "
               "tools_json = coalesce(?7, tools_json), "
               "tool_choice_json = coalesce(?8, tool_choice_json), "
               "thinking_json = coalesce(?9, thinking_json), cache = coalesce(?10, cache), "
               "cache_ttl = coalesce(?11, cache_ttl) WHERE seq = ?1"),
        remove(db, "DELETE FROM sessions WHERE id = ?1"),
        messages_range(db,
                       "SELECT role, content_json, turn_id FROM messages WHERE session_seq = ?1 "
                       "AND position >= ?2 AND position < ?3 ORDER BY position"),
        add_turn(db,
                 "UPDATE sessions SET message_count = message_count + ?2, "
                 "input_tokens = input_tokens + ?3, output_tokens = output_tokens + ?4, "
                 "updated_at = ?5, cache_creation_tokens = cache_creation_tokens + ?6, "
                 "cache_read_tokens = cache_read_tokens + ?7 WHERE seq = ?1"),
        turn_target(db, "SELECT seq, message_count FROM sessions WHERE id = ?1"),
        last_seq(db, "SELECT coalesce(max(seq), 0) FROM sessions"),
        purge(db, "DELETE FROM sessions WHERE seq > ?1 AND seq <= ?2 AND updated_at < ?3"),
        insert_image(db, "INSERT OR IGNORE INTO images (hash, data) VALUES (?1, ?2)"),
        insert_message_image(db,
                             "INSERT OR IGNORE INTO message_images (session_seq, position, hash) "
                             "VALUES (?1, ?2, ?3)"),
        images_range(db,
                     "SELECT m.position, m.hash, i.data FROM message_images m JOIN images i ON "
                     "i.hash = m.hash WHERE m.session_seq = ?1 AND m.position >= ?2 AND "
                     "m.position < ?3"),
        ping(db, "SELECT count(*) FROM sqlite_master") {}

  SqliteStatement begin, begin_read, commit, rollback;
  SqliteStatement insert_session, insert_message, by_id, page_first, page_after, update, remove;
  SqliteStatement messages_range, add_turn, turn_target, last_seq, purge, insert_image;
  SqliteStatement insert_message_image;
  SqliteStatement images_range, ping;
};

// BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails half way
// on a lock upgrade; anything but commit() rolls back.
class SqliteStore::Transaction {
 public:
  explicit Transaction(Statements& st, bool write = true) : st_(st) {
    (write ? st_.begin : st_.begin_read).run();
  }
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

struct SqliteStore::Connection {
  Connection(const std::string& path, int flags, bool synchronous_full, bool migrate)
      : db(path, flags | SQLITE_OPEN_NOMUTEX) {
    // Another process (a second gateway on the same file, an operator's sqlite3 shell)
    // holding the lock briefly is waited for rather than failing the request.
    sqlite3_busy_timeout(db.get(), 5000);
    if (migrate) {
      db.exec("PRAGMA journal_mode = WAL");
      migrate_schema(db);
    }
    db.exec(synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    st = std::make_unique<Statements>(db);
  }

  std::optional<std::pair<std::int64_t, SessionRecord>> find(const std::string& id) {
    StatementUse q(st->by_id);
    q->bind(1, id);
    if (!q->step()) return std::nullopt;
    return std::make_pair(st->by_id.int_at(0), read_session(st->by_id));
  }

  std::vector<StoredMessage> read_messages(std::int64_t seq, std::int64_t from, std::int64_t to) {
    std::vector<StoredMessage> out;
    bool images = false;
    {
      StatementUse q(st->messages_range);
      q->bind(1, seq).bind(2, from).bind(3, to);
      while (q->step()) {
        const auto& s = st->messages_range;
        out.push_back(StoredMessage{s.text_at(0), s.text_at(1), s.text_at(2)});
        images = images || has_image_refs(out.back().content_json);
      }
    }
    if (images) put_images_back_into(out, seq, from, to);
    return out;
  }

  // Appends one message at `position`, its images stored once.
  void insert_message(std::int64_t seq, std::int64_t position, const StoredMessage& m) {
    std::vector<TakenImage> taken;
    // Only user messages: an assistant's content is upstream's bytes, kept verbatim.
    const auto replaced =
        m.role == "user" ? take_images(m.content_json, taken) : std::optional<std::string>();
    {
      StatementUse q(st->insert_message);
      q->bind(1, seq).bind(2, position).bind(3, m.role);
      q->bind(4, replaced ? *replaced : m.content_json).bind(5, m.turn_id).step();
    }
    for (const auto& image : taken) {
      {
        StatementUse q(st->insert_image);
        q->bind(1, image.hash).bind(2, image.data).step();
      }
      StatementUse q(st->insert_message_image);
      q->bind(1, seq).bind(2, position).bind(3, image.hash).step();
    }
  }

  SqliteDb db;
  std::unique_ptr<Statements> st;

 private:
  void put_images_back_into(std::vector<StoredMessage>& messages, std::int64_t seq,
                            std::int64_t from, std::int64_t to) {
    std::vector<std::vector<std::pair<std::string, std::string>>> by_message(messages.size());
    StatementUse q(st->images_range);
    q->bind(1, seq).bind(2, from).bind(3, to);
    while (q->step()) {
      const auto& s = st->images_range;
      const auto index = static_cast<std::size_t>(s.int_at(0) - from);
      if (index < by_message.size()) by_message[index].emplace_back(s.text_at(1), s.text_at(2));
    }
    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (by_message[i].empty()) continue;
      messages[i].content_json =
          put_images_back(std::move(messages[i].content_json), by_message[i]);
    }
  }
};

// The connection a read runs on. The writer's when it is free: its page cache stays
// warm, whereas a reader connection drops its cache whenever another connection has
// written since its last read, and reads every page again with a syscall. A reader
// connection when a write is running, so a read never waits behind a commit.
class SqliteStore::Reader {
 public:
  explicit Reader(SqliteStore& store) : store_(store) {
    if (store_.write_mutex_.try_lock()) {
      conn_ = store_.writer_.get();
      return;
    }
    std::unique_lock lock(store_.readers_mutex_);
    store_.reader_free_.wait(lock, [&] { return !store_.idle_readers_.empty(); });
    borrowed_ = std::move(store_.idle_readers_.back());
    store_.idle_readers_.pop_back();
    conn_ = borrowed_.get();
  }
  ~Reader() {
    if (!borrowed_) {
      store_.write_mutex_.unlock();
      return;
    }
    {
      std::lock_guard lock(store_.readers_mutex_);
      store_.idle_readers_.push_back(std::move(borrowed_));
    }
    store_.reader_free_.notify_one();
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  Connection* operator->() { return conn_; }
  Connection& connection() { return *conn_; }

 private:
  SqliteStore& store_;
  Connection* conn_ = nullptr;
  std::unique_ptr<Connection> borrowed_;
};

namespace {

// Past this many WAL pages (about 16 MB) a checkpoint copies them into the database file.
// Larger is cheaper (a page written by many turns is copied once), smaller keeps reads'
// WAL lookups short and the file small.
constexpr int kCheckpointPages = 4000;
// At most this many frames are left for the last checkpoint pass, which holds writes back.
constexpr int kHeldCheckpointFrames = 16;
// Past this many WAL pages (about 64 MB) the WAL is started over with writes held back,
// lull or not.
constexpr int kForcedHoldPages = 4 * kCheckpointPages;
// How soon the passes try again for a lull.
constexpr std::chrono::milliseconds kLullRetry{10};
// Sessions (by seq) one purge statement scans: about a millisecond of the write lock.
constexpr std::int64_t kPurgeSpan = 2048;

int on_wal_commit(void* store_condition, sqlite3*, const char*, int pages) {
  if (pages >= kCheckpointPages) static_cast<std::function<void()>*>(store_condition)->operator()();
  return SQLITE_OK;
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path, bool synchronous_full, std::size_t readers,
                         std::size_t cache_bytes, std::function<void(double)> on_hold)
    : path_(path), cache_(cache_bytes), on_hold_(std::move(on_hold)) {
  writer_ = std::make_unique<Connection>(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                         synchronous_full, true);
  for (std::size_t i = 0; i < std::max<std::size_t>(1, readers); ++i) {
    idle_readers_.push_back(
        std::make_unique<Connection>(path, SQLITE_OPEN_READONLY, synchronous_full, false));
  }
  checkpoint_db_ = std::make_unique<SqliteDb>(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  sqlite3_busy_timeout(checkpoint_db_->get(), 5000);
  // A connection learns that the file is in WAL mode on its first read; until then a
  // checkpoint through it silently does nothing.
  checkpoint_db_->exec("SELECT count(*) FROM sqlite_master");
  request_checkpoint_ = [this] {
    {
      std::lock_guard lock(checkpoint_mutex_);
      checkpoint_requested_ = true;
    }
    checkpoint_due_.notify_one();
  };
  // The writer no longer checkpoints by itself: a commit never pays for the fsyncs.
  sqlite3_wal_hook(writer_->db.get(), on_wal_commit, &request_checkpoint_);
  checkpointer_ = std::thread([this] { checkpoint_loop(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(checkpoint_mutex_);
    stopping_ = true;
  }
  checkpoint_due_.notify_one();
  checkpointer_.join();
}

void SqliteStore::checkpoint_loop() {
  std::unique_lock lock(checkpoint_mutex_);
  for (;;) {
    checkpoint_due_.wait(lock, [&] { return checkpoint_requested_ || stopping_; });
    if (stopping_) return;
    checkpoint_requested_ = false;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, never blocks readers or the writer.
    // Repeated while the commits made during the pass before left more than a handful of
    // frames: each pass copies (and syncs) what arrived during the last one, so the passes
    // shrink, and the pass below, under the write lock, copies almost nothing. Stopping on
    // "all frames copied" instead counted only the frames there when a pass began, and
    // left the lock holding a whole pass's worth of commits to copy and sync: one commit in
    // a thousand waited 5-10 ms (bench/sessions, one connection).
    int copied_before = 0;
    int arrived = 0;
    int frames = 0;
    for (int pass = 0; pass < 32; ++pass) {
      int copied = 0;
      sqlite3_wal_checkpoint_v2(checkpoint_db_->get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames,
                                &copied);
      arrived = frames - copied_before;  // negative once the WAL started over
      copied_before = copied;
      if (pass > 0 && arrived <= kHeldCheckpointFrames) break;
    }
    // Nothing arrived during the last pass: every frame is copied, and the next commit
    // starts the WAL over by itself.
    if (arrived <= 0) {
      lock.lock();
      continue;
    }
    // The WAL starts over only once every frame in it was copied, and under steady writes
    // the passes never catch up: it would grow without end. The last few frames can be
    // copied with writes held back, but that pass's two fsyncs, under load on a shared
    // machine, held every commit for 0.6 ms at the median and up to 40 ms (bench/sessions,
    // 32 connections). So it waits for a lull, a pass during which nothing arrived, and
    // holds writes only once the WAL has grown to kForcedHoldPages.
    if (frames < kForcedHoldPages) {
      lock.lock();
      checkpoint_due_.wait_for(lock, kLullRetry, [&] { return stopping_; });
      if (stopping_) return;
      checkpoint_requested_ = true;
      continue;
    }
    // Every commit waits for this pass: how long it held them is what an operator needs to
    // tell a slow commit's own work from this queue.
    std::chrono::steady_clock::time_point held;
    {
      std::lock_guard write(write_mutex_);
      held = std::chrono::steady_clock::now();
      sqlite3_wal_checkpoint_v2(writer_->db.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                nullptr);
    }
    if (on_hold_) {
      on_hold_(std::chrono::duration<double>(std::chrono::steady_clock::now() - held).count());
    }
    lock.lock();
  }
}

void SqliteStore::create_session(const SessionRecord& s, const std::vector<StoredMessage>& seed) {
  TimedWriteLock lock(write_mutex_);
  Statements& st = *writer_->st;
  Transaction tx(st);
  {
    StatementUse q(st.insert_session);
    q->bind(1, s.id).bind(2, s.owner).bind(3, s.model).bind(4, s.system_json);
    q->bind(5, std::int64_t{s.max_tokens}).bind(6, s.metadata_json);
    q->bind(7, to_i64(seed.size())).bind(8, s.created_at).bind(9, s.updated_at);
    q->bind(10, s.tools_json).bind(11, s.tool_choice_json).bind(12, s.thinking_json);
    q->bind(13, s.cache).bind(14, s.cache_ttl);
    q->step();
  }
  const std::int64_t seq = sqlite3_last_insert_rowid(writer_->db.get());
  for (std::size_t i = 0; i < seed.size(); ++i) writer_->insert_message(seq, to_i64(i), seed[i]);
  tx.commit();
}

std::optional<SessionRecord> SqliteStore::get_session(const std::string& id) {
  Reader r(*this);
  auto found = r->find(id);
  if (!found) return std::nullopt;
  return std::move(found->second);
}

SessionPage SqliteStore::list_sessions(const std::string& owner, std::size_t limit,
                                       const std::string& after_id, std::size_t max_bytes) {
  Reader r(*this);
  Transaction snapshot(*r->st, false);
  SessionPage page;
  std::optional<std::int64_t> after;
  if (!after_id.empty()) {
    auto found = r->find(after_id);
    if (!found || found->second.owner != owner) return page;
    after = found->first;
  }
  SqliteStatement& stmt = after ? r->st->page_after : r->st->page_first;
  StatementUse q(stmt);
  // One more than asked tells whether there is a next page.
  q->bind(1, owner).bind(2, to_i64(limit + 1));
  if (after) q->bind(3, *after);
  std::size_t bytes = 0;
  while (q->step()) {
    if (page.sessions.size() == limit) {
      page.has_more = true;
      break;
    }
    SessionRecord s = read_session(stmt);
    bytes += listed_bytes(s);
    if (!page.sessions.empty() && bytes > max_bytes) {
      page.has_more = true;
      break;
    }
    page.sessions.push_back(std::move(s));
  }
  return page;
}

std::optional<SessionRecord> SqliteStore::update_session(const std::string& id,
                                                         const SessionPatch& patch,
                                                         EpochMillis at) {
  TimedWriteLock lock(write_mutex_);
  Statements& st = *writer_->st;
  Transaction tx(st);
  auto found = writer_->find(id);
  if (!found) return std::nullopt;
  {
    StatementUse q(st.update);
    q->bind(1, found->first);
    patch.model ? q->bind(2, *patch.model) : q->bind_null(2);
    patch.system_json ? q->bind(3, *patch.system_json) : q->bind_null(3);
    patch.max_tokens ? q->bind(4, std::int64_t{*patch.max_tokens}) : q->bind_null(4);
    patch.metadata_json ? q->bind(5, *patch.metadata_json) : q->bind_null(5);
    q->bind(6, at);
    patch.tools_json ? q->bind(7, *patch.tools_json) : q->bind_null(7);
    patch.tool_choice_json ? q->bind(8, *patch.tool_choice_json) : q->bind_null(8);
    patch.thinking_json ? q->bind(9, *patch.thinking_json) : q->bind_null(9);
    patch.cache ? q->bind(10, *patch.cache) : q->bind_null(10);
    patch.cache_ttl ? q->bind(11, *patch.cache_ttl) : q->bind_null(11);
    q->step();
  }
  auto updated = writer_->find(id);
  tx.commit();
  return updated ? std::optional(std::move(updated->second)) : std::nullopt;
}

bool SqliteStore::delete_session(const std::string& id) {
  TimedWriteLock lock(write_mutex_);
  if (auto found = writer_->find(id)) cache_.erase(found->first);
  StatementUse q(writer_->st->remove);
  q->bind(1, id).step();
  return sqlite3_changes(writer_->db.get()) > 0;
}

std::vector<StoredMessage> SqliteStore::messages(const std::string& id) {
  Reader r(*this);
  Transaction snapshot(*r->st, false);
  auto found = r->find(id);
  if (!found) return {};
  return r->read_messages(found->first, 0, to_i64(found->second.message_count));
}

std::optional<ConversationStore::Context> SqliteStore::context(const std::string& id,
                                                               std::size_t recent) {
  Reader r(*this);
  // One read transaction: the record and both message ranges are from the same instant.
  Transaction snapshot(*r->st, false);
  auto found = r->find(id);
  if (!found) return std::nullopt;
  const std::int64_t seq = found->first;
  const SessionRecord& s = found->second;
  Context ctx{s, {}, {}};
  const auto pinned = to_i64(s.pinned_count);
  const auto count = to_i64(s.message_count);
  std::int64_t first = pinned;
  if (recent > 0 && count - pinned > to_i64(recent)) first = count - to_i64(recent);
  ctx.pinned = cached_messages(r.connection(), seq, 0, pinned);
  ctx.recent = cached_messages(r.connection(), seq, first, count);
  // Trimmed out of the window for good: the window only moves on.
  cache_.forget(seq, pinned, first);
  return ctx;
}

std::vector<StoredMessage> SqliteStore::cached_messages(Connection& c, std::int64_t seq,
                                                        std::int64_t from, std::int64_t to) {
  if (auto hit = cache_.get(seq, from, to)) return std::move(*hit);
  auto read = c.read_messages(seq, from, to);
  cache_.put(seq, from, read);
  return read;
}

CommitResult SqliteStore::commit_turn(const TurnCommit& turn) {
  TimedWriteLock lock(write_mutex_);
  Statements& st = *writer_->st;
  Transaction tx(st);
  std::int64_t seq = 0;
  {
    // Two columns, not the whole session: a commit runs under the write lock.
    StatementUse q(st.turn_target);
    q->bind(1, turn.session_id);
    if (!q->step()) return CommitResult::kNotFound;
    if (st.turn_target.int_at(1) != to_i64(turn.expected_message_count)) {
      return CommitResult::kConflict;
    }
    seq = st.turn_target.int_at(0);
  }
  auto position = to_i64(turn.expected_message_count);
  for (const auto& m : turn.messages) writer_->insert_message(seq, position++, m);
  {
    StatementUse q(st.add_turn);
    q->bind(1, seq).bind(2, to_i64(turn.messages.size()));
    q->bind(3, to_i64(turn.usage.input_tokens)).bind(4, to_i64(turn.usage.output_tokens));
    q->bind(5, turn.at);
    q->bind(6, to_i64(turn.usage.cache_creation_input_tokens));
    q->bind(7, to_i64(turn.usage.cache_read_input_tokens)).step();
  }
  tx.commit();
  cache_.put(seq, to_i64(turn.expected_message_count), turn.messages);
  return CommitResult::kCommitted;
}

std::size_t SqliteStore::purge_idle(EpochMillis idle_before) {
  // No index on updated_at: every turn moved a session's entry in it, two more pages to
  // write and checksum per commit (schema 5). The purge scans the sessions instead, once
  // a minute, a span of them at a time, so that the write lock, which turns' commits wait
  // for, is held for the few milliseconds of one span, not for a whole table's purge.
  std::int64_t last = 0;
  {
    TimedWriteLock lock(write_mutex_);
    StatementUse q(writer_->st->last_seq);
    if (q->step()) last = writer_->st->last_seq.int_at(0);
  }
  std::size_t purged = 0;
  for (std::int64_t after = 0; after < last; after += kPurgeSpan) {
    TimedWriteLock lock(write_mutex_);
    StatementUse q(writer_->st->purge);
    q->bind(1, after).bind(2, after + kPurgeSpan).bind(3, idle_before).step();
    purged += static_cast<std::size_t>(sqlite3_changes(writer_->db.get()));
  }
  return purged;
}

void SqliteStore::ping() {
  Reader r(*this);
  StatementUse q(r->st->ping);
  q->step();
}

}  // namespace gw
