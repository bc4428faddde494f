#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace gw {

// An open SQLite connection. Failures throw StoreError with SQLite's message.
class SqliteDb {
 public:
  SqliteDb(const std::string& path, int flags);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* get() const { return db_; }
  void exec(const char* sql);
  // Throws StoreError naming `what` unless rc is one of the `ok` codes.
  void check(int rc, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
};

// A prepared statement, reset (bindings cleared) after each use so it can be kept and
// reused for the connection's lifetime.
class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind_null(int index);
  // True while there is a row; false when done. Throws on error.
  bool step();
  // Runs a statement that returns no rows, then resets it.
  void run();
  void reset();

  std::int64_t int_at(int column) const;
  std::string text_at(int column) const;
  bool null_at(int column) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when a scope is left, also by an exception.
class StatementUse {
 public:
  explicit StatementUse(SqliteStatement& s) : s_(s) {}
  ~StatementUse() { s_.reset(); }
  SqliteStatement* operator->() { return &s_; }

 private:
  SqliteStatement& s_;
};

}  // namespace gw
