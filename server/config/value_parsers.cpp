#include "server/config/value_parsers.hpp"

#include "server/common/trim.hpp"

#include <boost/asio/ip/address_v6.hpp>

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace gw {
namespace {

// Splits "123unit" into the digits and the (trimmed) unit. Digits only: a sign or a
// fraction makes the whole value invalid.
std::optional<std::pair<std::uint64_t, std::string_view>> number_and_unit(std::string_view s) {
  s = trim_ows(s);
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + digits, value);
  if (ec != std::errc() || ptr != s.data() + digits) return std::nullopt;
  return std::pair{value, trim_ows(s.substr(digits))};
}

std::optional<std::uint64_t> scaled(std::uint64_t value, std::uint64_t factor) {
  if (value > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
  return value * factor;
}

}  // namespace

std::optional<Millis> parse_duration(std::string_view text) {
  const auto parsed = number_and_unit(text);
  if (!parsed) return std::nullopt;
  const auto [value, unit] = *parsed;
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> kUnits{
      {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}};
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    const auto ms = scaled(value, factor);
    // Millis is signed; keep far from its limit so that deadline arithmetic cannot wrap.
    if (!ms || *ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 4)) {
      return std::nullopt;
    }
    return Millis(static_cast<Millis::rep>(*ms));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  const auto parsed = number_and_unit(text);
  if (!parsed) return std::nullopt;
  const auto [value, unit] = *parsed;
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> kUnits{{
      {"", 1},
      {"B", 1},
      {"KiB", 1ull << 10},
      {"MiB", 1ull << 20},
      {"GiB", 1ull << 30},
      {"KB", 1000},
      {"MB", 1000'000},
      {"GB", 1000'000'000},
  }};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) return scaled(value, factor);
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  text = trim_ows(text);
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  text = trim_ows(text);
  for (std::string_view yes : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    if (text == yes) return true;
  }
  for (std::string_view no : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    if (text == no) return false;
  }
  return std::nullopt;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  text = trim_ows(text);
  HostPort out;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    out.host = std::string(text.substr(1, close - 1));
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(out.host, ec);
    if (ec) return std::nullopt;
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const std::string_view host = text.substr(0, colon);
    // An IPv6 address without brackets is ambiguous about where the port starts.
    if (host.find(':') != std::string_view::npos) return std::nullopt;
    for (char c : host) {
      if (c == ' ' || c == '\t' || c == '/' || c == '[' || c == ']') return std::nullopt;
    }
    out.host = std::string(host);
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return std::nullopt;
  }
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

}  // namespace gw
