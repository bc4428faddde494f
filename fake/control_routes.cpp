#include "fake/control_routes.hpp"

#include "fake/server_state.hpp"
#include "server/common/api_error.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace gw::fake {
namespace {

namespace http = boost::beast::http;

std::string pending_body(const ServerState& state) {
  boost::json::object o;
  o["pending"] = state.faults.pending();
  return boost::json::serialize(o);
}

// "NAME=N" anywhere in the query; 0 (all) when absent or malformed.
std::size_t number_from_query(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (part.starts_with(name) && part.substr(name.size()).starts_with("=")) {
      std::size_t n = 0;
      auto v = part.substr(name.size() + 1);
      std::from_chars(v.data(), v.data() + v.size(), n);
      return n;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return 0;
}

}  // namespace

ControlReply handle_control(ServerState& state, http::verb method, std::string_view path,
                            std::string_view query, std::string_view body,
                            std::string_view request_id) {
  if (path == "/_fake/faults") {
    if (method == http::verb::post) {
      std::string error;
      auto faults = parse_faults(body, error);
      if (!faults) return {400, error_body("invalid_request_error", error, request_id)};
      state.faults.add(std::move(*faults));
      return {200, pending_body(state)};
    }
    if (method == http::verb::delete_) {
      state.faults.clear();
      return {200, pending_body(state)};
    }
    if (method == http::verb::get) return {200, pending_body(state)};
  } else if (path == "/_fake/stats" && method == http::verb::get) {
    return {200, state.snapshot().to_json()};
  } else if (path == "/_fake/requests" && method == http::verb::get) {
    return {200, RequestLog::to_json(state.log.last(number_from_query(query, "limit")))};
  } else if (path == "/_fake/release" && method == http::verb::post) {
    boost::json::object o;
    o["released"] = state.holds.release(number_from_query(query, "count"));
    return {200, boost::json::serialize(o)};
  } else if (path == "/_fake/close_idle" && method == http::verb::post) {
    boost::json::object o;
    o["closed"] = state.connections.close_idle();
    return {200, boost::json::serialize(o)};
  } else if (path == "/_fake/reset" && method == http::verb::post) {
    state.reset();
    return {200, R"({"ok":true})"};
  } else {
    return {404, error_body("not_found_error", "Not Found", request_id)};
  }
  return {405, error_body("invalid_request_error", "Method Not Allowed", request_id)};
}

}  // namespace gw::fake
