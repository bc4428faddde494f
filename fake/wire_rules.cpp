#include "fake/wire_rules.hpp"

#include "server/common/time_format.hpp"

#include <boost/beast/core/string.hpp>

#include <array>
#include <chrono>

namespace gw::fake {
namespace {

namespace http = boost::beast::http;

constexpr std::array<std::string_view, 2> kKnownVersions = {"2023-06-01", "2026-10-21"};
constexpr std::string_view kOrganizationId = "4f6c2a9e-0b7d-4e1a-9c55-2d8f3b61a7c0";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// A repeated header reaches the upstream as one comma-joined value, which is how the
// "\"2023-06-01, 2023-06-01\" is not a valid version" message arises.
std::optional<std::string> joined_values(const http::fields& headers, std::string_view name) {
  std::optional<std::string> out;
  auto [first, last] = headers.equal_range(name);
  for (auto it = first; it != last; ++it) {
    if (out) {
      *out += ", ";
      *out += std::string_view(it->value());
    } else {
      out = std::string(it->value());
    }
  }
  return out;
}

}  // namespace

RouteMatch match_route(http::verb method, std::string_view target) {
  RouteMatch m;
  std::string_view raw_path = target;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    raw_path = target.substr(0, q);
    m.query = std::string(target.substr(q + 1));
  }
  m.path = percent_decode(raw_path);
  std::string_view path = m.path;

  auto expect = [&](Route r, http::verb v) {
    m.route = r;
    m.method_allowed = method == v;
  };
  if (path.starts_with("/_fake/")) {
    m.route = Route::control;
  } else if (path == "/v1/messages") {
    expect(Route::messages, http::verb::post);
  } else if (path == "/v1/messages/count_tokens") {
    expect(Route::count_tokens, http::verb::post);
  } else if (path == "/v1/messages/batches" || path.starts_with("/v1/messages/batches/")) {
    m.route = Route::batches;
  } else if (path == "/v1/files" || path.starts_with("/v1/files/")) {
    m.route = Route::files;
  } else if (path == "/v1/sessions" || path.starts_with("/v1/sessions/")) {
    m.route = Route::agent_sessions;
  } else if (path == "/v1/models" || path == "/v1/models/") {
    expect(Route::list_models, http::verb::get);
  } else if (path.starts_with("/v1/models/") && path.find('/', 11) == std::string_view::npos) {
    expect(Route::get_model, http::verb::get);
    m.model_id = std::string(path.substr(11));
  }
  return m;
}

std::string request_api_key(const http::fields& headers) {
  if (auto it = headers.find("x-api-key"); it != headers.end()) return std::string(it->value());
  if (auto auth = headers.find(http::field::authorization); auth != headers.end()) {
    std::string_view v = auth->value();
    if (v.size() > 7 && boost::beast::iequals(v.substr(0, 7), "Bearer ")) {
      return std::string(v.substr(7));
    }
  }
  return {};
}

std::optional<ApiError> check_request_headers(const http::fields& headers,
                                              std::string_view api_key) {
  auto version = joined_values(headers, "anthropic-version");
  if (!version) return invalid_request("anthropic-version: header is required");
  bool known = false;
  for (auto v : kKnownVersions) known = known || *version == v;
  if (!known) {
    return invalid_request("anthropic-version: \"" + *version + "\" is not a valid version");
  }

  const std::string key = request_api_key(headers);
  if (key.empty()) return authentication_failed("x-api-key header is required");
  if (!api_key.empty() && key != api_key) return authentication_failed("invalid x-api-key");
  return std::nullopt;
}

void add_common_headers(http::fields& h, std::string_view request_id) {
  h.set("request-id", request_id);
  h.set("anthropic-organization-id", kOrganizationId);
  auto now = std::chrono::system_clock::now();
  std::string reset = rfc3339(now + std::chrono::seconds(1));
  h.set("anthropic-ratelimit-requests-limit", "1000");
  h.set("anthropic-ratelimit-requests-remaining", "999");
  h.set("anthropic-ratelimit-requests-reset", reset);
  h.set("anthropic-ratelimit-tokens-limit", "96000");
  h.set("anthropic-ratelimit-tokens-remaining", "96000");
  h.set("anthropic-ratelimit-tokens-reset", reset);
  h.set("anthropic-ratelimit-input-tokens-limit", "80000");
  h.set("anthropic-ratelimit-input-tokens-remaining", "80000");
  h.set("anthropic-ratelimit-input-tokens-reset", reset);
  h.set("anthropic-ratelimit-output-tokens-limit", "16000");
  h.set("anthropic-ratelimit-output-tokens-remaining", "16000");
  h.set("anthropic-ratelimit-output-tokens-reset", rfc3339(now + std::chrono::seconds(2)));
}

bool should_retry_status(unsigned status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

std::string default_error_message(unsigned status) {
  switch (status) {
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Request exceeds the maximum allowed number of bytes.";
    case 429:
      return "This request would exceed your organization's rate limit. For details, refer to: "
             "https://docs.claude.com/en/api/rate-limits.";
    case 500:
      return "Internal server error";
    case 502:
      return "Bad gateway";
    case 503:
    case 529:
      return "Overloaded";
    case 504:
      return "Request timeout";
    default:
      return status >= 500 ? "Internal server error" : "Invalid request";
  }
}

}  // namespace gw::fake
