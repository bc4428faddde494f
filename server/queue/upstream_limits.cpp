#include "server/queue/upstream_limits.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>

namespace gw {

namespace {

UpstreamBudget budget(const boost::beast::http::fields& h, std::string_view name) {
  UpstreamBudget b;
  const std::string prefix = "anthropic-ratelimit-" + std::string(name);
  if (auto it = h.find(prefix + "-remaining"); it != h.end()) {
    std::string_view v = it->value();
    double n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc{} && end == v.data() + v.size()) b.remaining = n;
  }
  if (auto it = h.find(prefix + "-reset"); it != h.end()) b.reset = parse_rfc3339(it->value());
  return b;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  std::string s(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, n = 0;
  double second = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*[Tt ]%2d:%2d:%lf%n", &year, &month, &day, &hour, &minute,
                  &second, &n) != 6) {
    return std::nullopt;
  }
  if (!(second >= 0 && second < 61)) return std::nullopt;  // also NaN, and 1e300
  std::string_view zone = std::string_view(s).substr(static_cast<std::size_t>(n));
  long offset = 0;
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(std::string(zone.substr(1)).c_str(), "%2d:%2d", &oh, &om) != 2) {
      return std::nullopt;
    }
    offset = (zone[0] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = 0;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits, from 1677 to 2262: a reset in the year
  // 9999 is read as 2200 (still "far away" to whoever caps the pause), one in the year 1
  // as 1970 (long past).
  constexpr std::time_t kLatest = 7'258'118'400;  // 2200-01-01T00:00:00Z
  auto tp = std::chrono::system_clock::from_time_t(std::clamp<std::time_t>(t - offset, 0, kLatest));
  return tp + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                  std::chrono::duration<double>(second));
}

UpstreamLimits parse_upstream_limits(const boost::beast::http::fields& headers) {
  UpstreamLimits l;
  l.requests = budget(headers, "requests");
  l.input_tokens = budget(headers, "input-tokens");
  l.output_tokens = budget(headers, "output-tokens");
  l.tokens = budget(headers, "tokens");
  return l;
}

}  // namespace gw
