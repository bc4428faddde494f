#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gw {

// Where the Messages API lives, from `upstream.base_url`.
struct UpstreamTarget {
  bool tls = true;
  std::string host;         // name or address, without brackets
  std::string port;         // service for the resolver
  std::string host_header;  // Host: value, port only when not the scheme's default
};

// Null with `error` set when the URL is not http(s)://host[:port][/].
std::optional<UpstreamTarget> parse_upstream_target(std::string_view base_url, std::string& error);

}  // namespace gw
