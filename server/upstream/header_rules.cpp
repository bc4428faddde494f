#include "server/upstream/header_rules.hpp"

#include "server/upstream/loop_guard.hpp"

#include <boost/beast/core/string.hpp>

#include <array>

namespace gw {

namespace http = boost::beast::http;
using boost::beast::iequals;

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool forwarded_upstream(std::string_view name) {
  static constexpr std::array<std::string_view, 3> exact = {"content-type", "accept", "user-agent"};
  for (auto e : exact) {
    if (iequals(name, e)) return true;
  }
  // anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access, ... and
  // the SDKs' x-stainless-* telemetry (retry count, timeouts) which upstream may use.
  return starts_with_ci(name, "anthropic-") || starts_with_ci(name, "x-stainless-");
}

bool relayed_downstream(std::string_view name) {
  // Not x-should-retry: the gateway sets its own (copy_relayed_headers).
  static constexpr std::array<std::string_view, 6> exact = {
      "content-type",   "request-id",    "retry-after",
      "retry-after-ms", "cache-control", "anthropic-organization-id"};
  for (auto e : exact) {
    if (iequals(name, e)) return true;
  }
  return starts_with_ci(name, "anthropic-ratelimit-") ||
         starts_with_ci(name, "anthropic-priority-");
}

}  // namespace

http::fields upstream_request_headers(const http::fields& client,
                                      std::string_view upstream_api_key) {
  http::fields out;
  for (const auto& f : client) {
    if (forwarded_upstream(f.name_string())) out.insert(f.name_string(), f.value());
  }
  if (out.find("anthropic-version") == out.end()) {
    out.set("anthropic-version", kDefaultAnthropicVersion);
  }
  // The client's Via lines, then this gateway's mark: how a loop is recognised.
  std::string via;
  const auto [first, last] = client.equal_range(http::field::via);
  for (auto it = first; it != last; ++it) {
    if (!via.empty()) via += ", ";
    via += it->value();
  }
  out.set(http::field::via, via_with_gateway_entry(via));
  out.set("x-api-key", upstream_api_key);
  return out;
}

void copy_relayed_headers(const UpstreamHeaders& upstream, http::response_header<>& out) {
  for (const auto f : upstream) {
    if (relayed_downstream(f.name_string())) out.insert(f.name(), f.name_string(), f.value());
  }
  // The gateway already retried what was worth retrying: an SDK on top must not multiply
  // the attempts.
  if (out.result_int() >= 400) out.set("x-should-retry", "false");
}

RelayedHead relayed_head(const UpstreamHeaders& upstream, unsigned status) {
  RelayedHead out;
  out.lines.reserve(1024);
  for (const auto f : upstream) {
    if (!relayed_downstream(f.name_string())) continue;
    if (status >= 400 && iequals(f.name_string(), "x-should-retry")) continue;
    out.has_request_id = out.has_request_id || iequals(f.name_string(), "request-id");
    out.lines += f.name_string();
    out.lines += ": ";
    out.lines += f.value();
    out.lines += "\r\n";
  }
  if (status >= 400) out.lines += "x-should-retry: false\r\n";
  return out;
}

}  // namespace gw
