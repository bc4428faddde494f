#include "server/common/log.hpp"

#include "server/common/time_format.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace gw::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;

std::string_view name(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

}  // namespace

void set_level(Level level) {
  g_level = level;
}

bool parse_level(std::string_view text, Level& out) {
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (name(l) == text) {
      out = l;
      return true;
    }
  }
  return false;
}

bool enabled(Level level) {
  return level >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  boost::json::object o;
  o["time"] = rfc3339_millis(std::chrono::system_clock::now());
  o["level"] = name(level);
  o["msg"] = msg;
  for (const auto& [k, v] : fields) o[k] = v;
  std::string line = boost::json::serialize(o);
  line.push_back('\n');
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace gw::log
