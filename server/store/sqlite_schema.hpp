#pragma once

#include "server/store/sqlite_statement.hpp"

namespace gw {

// The schema's version lives in PRAGMA user_version; each migration moves it up by one,
// in its own transaction, so a crash mid-upgrade leaves the previous version intact.
// A file from a newer gateway (a higher version than this build knows) is refused.
void migrate_schema(SqliteDb& db);

// The schema version this build writes.
int current_schema_version();

}  // namespace gw
