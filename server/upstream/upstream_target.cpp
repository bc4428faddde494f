#include "server/upstream/upstream_target.hpp"

#include <boost/url/parse.hpp>

namespace gw {

std::optional<UpstreamTarget> parse_upstream_target(std::string_view base_url, std::string& error) {
  auto parsed = boost::urls::parse_absolute_uri(base_url);
  if (!parsed) {
    error = "not an absolute URL: " + std::string(base_url);
    return std::nullopt;
  }
  const auto& url = *parsed;
  UpstreamTarget t;
  if (url.scheme() == "https") {
    t.tls = true;
  } else if (url.scheme() == "http") {
    t.tls = false;
  } else {
    error = "scheme must be https (or http for a loopback upstream)";
    return std::nullopt;
  }
  t.host = std::string(url.host_address());
  if (t.host.empty()) {
    error = "no host in " + std::string(base_url);
    return std::nullopt;
  }
  std::string default_port = t.tls ? "443" : "80";
  t.port = url.has_port() ? std::string(url.port()) : default_port;
  bool ipv6 = url.host_type() == boost::urls::host_type::ipv6;
  t.host_header = ipv6 ? "[" + t.host + "]" : t.host;
  if (t.port != default_port) t.host_header += ":" + t.port;
  return t;
}

}  // namespace gw
