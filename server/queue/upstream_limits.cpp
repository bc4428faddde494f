#include "server/queue/upstream_limits.hpp"

#include "server/common/field_name.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <string>

namespace gw {

namespace {

constexpr std::string_view kPrefix = "anthropic-ratelimit-";

// Reads exactly `n` digits at `at` into `out`.
bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void read_remaining(std::string_view v, UpstreamBudget& b) {
  double n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec == std::errc{} && end == v.data() + v.size()) b.remaining = n;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
  // Read by hand, not with sscanf and timegm: this runs on every upstream answer (four
  // reset headers), and those two were most of the instructions of reading them.
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, whole_second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, whole_second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      whole_second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  double fraction = 0;
  if (at < s.size() && s[at] == '.') {
    double scale = 0.1;
    std::size_t end = at + 1;
    for (; end < s.size() && s[end] >= '0' && s[end] <= '9'; ++end, scale /= 10) {
      fraction += (s[end] - '0') * scale;
    }
    if (end == at + 1) return std::nullopt;
    at = end;
  }
  const std::string_view zone = s.substr(at);
  long offset = 0;
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh = 0, om = 0;
    if (!digits(zone, 1, 2, oh) || !digits(zone, 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (zone[0] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
  } else {
    return std::nullopt;
  }
  const std::int64_t t =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600L + minute * 60L + whole_second - offset;
  // system_clock counts nanoseconds in 64 bits, from 1677 to 2262: a reset in the year
  // 9999 is read as 2200 (still "far away" to whoever caps the pause), one in the year 1
  // as 1970 (long past).
  constexpr std::int64_t kLatest = 7'258'118'400;  // 2200-01-01T00:00:00Z
  auto tp = std::chrono::system_clock::from_time_t(
      static_cast<std::time_t>(std::clamp<std::int64_t>(t, 0, kLatest)));
  return tp + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                  std::chrono::duration<double>(fraction));
}

UpstreamLimits parse_upstream_limits(const UpstreamHeaders& headers) {
  // One pass over the fields, most of them turned away by their first letter: this runs
  // on every answer.
  UpstreamLimits l;
  for (const auto& f : headers) {
    const std::string_view name = f.name_string();
    if (name.size() <= kPrefix.size() || (name[0] | 0x20) != 'a' ||
        !field_name_starts_with(name, kPrefix)) {
      continue;
    }
    std::string_view rest = name.substr(kPrefix.size());
    std::string_view limit;
    UpstreamBudget* b = nullptr;
    switch (rest[0] | 0x20) {
      case 'r':
        limit = "requests-", b = &l.requests;
        break;
      case 'i':
        limit = "input-tokens-", b = &l.input_tokens;
        break;
      case 'o':
        limit = "output-tokens-", b = &l.output_tokens;
        break;
      case 't':
        limit = "tokens-", b = &l.tokens;
        break;
      default:
        continue;
    }
    if (rest.size() <= limit.size() || !field_name_starts_with(rest, limit)) {
      continue;
    }
    rest.remove_prefix(limit.size());
    // The first of repeated fields counts, as find() gave before.
    if (field_name_is(rest, "remaining") && !b->remaining) {
      read_remaining(f.value(), *b);
    } else if (field_name_is(rest, "reset") && !b->reset) {
      b->reset = parse_rfc3339(f.value());
    }
  }
  return l;
}

}  // namespace gw
