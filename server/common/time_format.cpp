#include "server/common/time_format.hpp"

#include <cstdint>
#include <ctime>

namespace gw {
namespace {

std::tm utc_tm(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point t) {
  std::tm tm = utc_tm(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string rfc3339_millis(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  // One log line after another falls in the same second: its text is made once a second
  // per thread, not with gmtime and strftime for each line.
  thread_local std::int64_t cached_second = -1;
  thread_local char cached[24];
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  if (second != cached_second) {
    std::tm tm = utc_tm(t);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = second;
  }
  const auto milli = static_cast<int>(ms - second * 1000);
  std::string out(cached);
  out += '.';
  out += static_cast<char>('0' + milli / 100);
  out += static_cast<char>('0' + milli / 10 % 10);
  out += static_cast<char>('0' + milli % 10);
  out += 'Z';
  return out;
}

}  // namespace gw
