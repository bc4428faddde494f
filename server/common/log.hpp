#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>

namespace gw::log {

enum class Level { debug, info, warn, error };

// Structured log lines (one JSON object per line) on stderr. Values are strings; callers
// never pass keys or bodies.
using Field = std::pair<std::string_view, std::string_view>;

void set_level(Level level);
bool parse_level(std::string_view text, Level& out);
bool enabled(Level level);
void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::error, m, f);
}

}  // namespace gw::log
