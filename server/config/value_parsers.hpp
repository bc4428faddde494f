#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/config/config.hpp"

namespace gw {

// The text forms a configuration value may take. Each returns nullopt for text it does
// not accept (the caller knows the field path and words the error); none throws.

// "250ms", "5s", "2m", "1h", or a bare integer meaning seconds. Whitespace between the
// number and the unit is allowed. Fractions are not: "1.5s" is written "1500ms".
std::optional<Millis> parse_duration(std::string_view text);

// Bytes as a bare integer, or with a unit: KiB, MiB, GiB (1024-based) or KB, MB, GB
// (1000-based).
std::optional<std::uint64_t> parse_size(std::string_view text);

// A decimal integer with an optional leading '-'.
std::optional<std::int64_t> parse_int(std::string_view text);

// true/false, also yes/no and on/off as YAML 1.1 spells them.
std::optional<bool> parse_bool(std::string_view text);

// "host:port" or "[v6]:port"; the host comes back without brackets. Port 0 is allowed.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace gw
