#include "server/upstream/own_listener_check.hpp"

#include "server/config/loopback.hpp"
#include "server/upstream/upstream_target.hpp"

#include <boost/beast/core/string.hpp>

namespace gw {

namespace {

bool is_wildcard(std::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

std::string_view unbracketed(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

}  // namespace

std::optional<std::string> upstream_is_own_listener(const Config& config) {
  std::string error;
  auto target = parse_upstream_target(config.upstream.base_url, error);
  if (!target || config.listen.port == 0) return std::nullopt;
  if (target->port != std::to_string(config.listen.port)) return std::nullopt;
  const std::string_view listen = unbracketed(config.listen.host);
  const std::string_view upstream = unbracketed(target->host);
  const bool same =
      boost::beast::iequals(listen, upstream) ||
      (is_loopback_host(upstream) && (is_loopback_host(listen) || is_wildcard(listen)));
  if (!same) return std::nullopt;
  return "upstream.base_url " + config.upstream.base_url +
         " is this gateway's own listener: every request would come back to the gateway "
         "(answered 508). Point upstream.base_url (ANTHROPIC_BASE_URL) at the Messages API";
}

}  // namespace gw
