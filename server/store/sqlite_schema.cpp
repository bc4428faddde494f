#include "server/store/sqlite_schema.hpp"

#include "server/store/conversation_store.hpp"

#include <iterator>
#include <string>

namespace gw {

namespace {

// Append only: a released migration is never edited, a change is a new entry.
constexpr const char* kMigrations[] = {
    // 1: sessions and their messages. `seq` orders sessions newest first without relying
    // on clock resolution; messages are keyed by their position in the history.
    R"sql(
    CREATE TABLE sessions (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      owner TEXT NOT NULL,
      model TEXT NOT NULL,
      system_json TEXT NOT NULL,
      max_tokens INTEGER NOT NULL,
      metadata_json TEXT NOT NULL,
      message_count INTEGER NOT NULL,
      pinned_count INTEGER NOT NULL,
      input_tokens INTEGER NOT NULL DEFAULT 0,
      output_tokens INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX sessions_by_owner ON sessions (owner, seq);
    CREATE INDEX sessions_by_idle ON sessions (updated_at);
    CREATE TABLE messages (
      session_seq INTEGER NOT NULL REFERENCES sessions (seq) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
      content_json TEXT NOT NULL,
      turn_id TEXT NOT NULL,
      PRIMARY KEY (session_seq, position)
    ) WITHOUT ROWID;
    )sql",
    // 2: the tools a session offers on every turn, how they may be used, and its extended
    // thinking.
    R"sql(
    ALTER TABLE sessions ADD COLUMN tools_json TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN tool_choice_json TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN thinking_json TEXT NOT NULL DEFAULT '';
    )sql",
    // 3: prompt caching, and the cache's share of the input the session used.
    R"sql(
    ALTER TABLE sessions ADD COLUMN cache TEXT NOT NULL DEFAULT 'auto';
    ALTER TABLE sessions ADD COLUMN cache_ttl TEXT NOT NULL DEFAULT '5m';
    ALTER TABLE sessions ADD COLUMN cache_creation_tokens INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
    )sql",
    // 4: images once per store. A user message's base64 image data lives in `images`,
    // keyed by its hash, and the message holds a reference; `message_images` says which
    // message refers to which image, so an image goes with the last message that needs it
    // (deleting a session, or its purge, cascades down to here).
    R"sql(
    CREATE TABLE images (
      hash TEXT PRIMARY KEY,
      data TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE message_images (
      session_seq INTEGER NOT NULL,
      position INTEGER NOT NULL,
      hash TEXT NOT NULL,
      PRIMARY KEY (session_seq, position, hash),
      FOREIGN KEY (session_seq, position) REFERENCES messages (session_seq, position)
        ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE INDEX message_images_by_hash ON message_images (hash);
    CREATE TRIGGER image_unreferenced AFTER DELETE ON message_images
    BEGIN
      DELETE FROM images WHERE hash = OLD.hash
        AND NOT EXISTS (SELECT 1 FROM message_images WHERE hash = OLD.hash);
    END;
    )sql",
    // 5: no index on updated_at. Every turn moved its session's entry, two more pages
    // per commit; the idle purge, once a minute, scans the sessions instead.
    R"sql(
    DROP INDEX IF EXISTS sessions_by_idle;
    )sql",
};

}  // namespace

int current_schema_version() {
  return static_cast<int>(std::size(kMigrations));
}

void migrate_schema(SqliteDb& db) {
  int version = 0;
  {
    SqliteStatement get(db, "PRAGMA user_version");
    StatementUse use(get);
    if (use->step()) version = static_cast<int>(use->int_at(0));
  }
  if (version > current_schema_version()) {
    throw StoreError("the database has schema version " + std::to_string(version) +
                     ", newer than this gateway knows (" +
                     std::to_string(current_schema_version()) + "); upgrade the gateway");
  }
  for (int v = version; v < current_schema_version(); ++v) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(kMigrations[v]);
      db.exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
      db.exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

}  // namespace gw
