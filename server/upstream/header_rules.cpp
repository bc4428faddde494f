#include "server/upstream/header_rules.hpp"

#include "server/common/field_name.hpp"
#include "server/upstream/loop_guard.hpp"

namespace gw {

namespace http = boost::beast::http;

namespace {

bool forwarded_upstream(std::string_view name) {
  // anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access, ... and
  // the SDKs' x-stainless-* telemetry (retry count, timeouts) which upstream may use.
  return field_name_is(name, "content-type") || field_name_is(name, "accept") ||
         field_name_is(name, "user-agent") || field_name_starts_with(name, "anthropic-") ||
         field_name_starts_with(name, "x-stainless-");
}

bool relayed_downstream(std::string_view name) {
  // Not x-should-retry: the gateway sets its own (copy_relayed_headers).
  switch (name.empty() ? 0 : name[0] | 0x20) {
    case 'a':
      return field_name_starts_with(name, "anthropic-ratelimit-") ||
             field_name_starts_with(name, "anthropic-priority-") ||
             field_name_is(name, "anthropic-organization-id");
    case 'c':
      return field_name_is(name, "content-type") || field_name_is(name, "cache-control");
    case 'r':
      return field_name_is(name, "request-id") || field_name_is(name, "retry-after") ||
             field_name_is(name, "retry-after-ms");
    default:
      return false;
  }
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
    out.has_request_id = out.has_request_id || field_name_is(f.name_string(), "request-id");
    out.lines += f.name_string();
    out.lines += ": ";
    out.lines += f.value();
    out.lines += "\r\n";
  }
  if (status >= 400) out.lines += "x-should-retry: false\r\n";
  return out;
}

}  // namespace gw
