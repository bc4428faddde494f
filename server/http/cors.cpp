#include "server/http/cors.hpp"

#include "server/http/router.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <cctype>

namespace gw {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

CorsPolicy::CorsPolicy(const std::vector<std::string>& allowed_origins) {
  for (const auto& o : allowed_origins) {
    if (o == "*") {
      any_ = true;
    } else {
      origins_.push_back(lower(o));
    }
  }
}

bool CorsPolicy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  if (any_) return true;
  const std::string key = lower(origin);
  return std::find(origins_.begin(), origins_.end(), key) != origins_.end();
}

bool CorsPolicy::is_preflight(const http::request_header<>& req) {
  return req.method() == http::verb::options && req.find(http::field::origin) != req.end() &&
         !req[http::field::access_control_request_method].empty();
}

http::verb CorsPolicy::requested_method(const http::request_header<>& req) {
  return http::string_to_verb(req[http::field::access_control_request_method]);
}

HeaderList CorsPolicy::response_headers(const http::request_header<>& req) const {
  HeaderList out;
  if (!enabled()) return out;
  out.emplace_back("Vary", "Origin");
  const std::string_view origin = req[http::field::origin];
  if (!allows(origin)) return out;
  out.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  out.emplace_back("Access-Control-Expose-Headers", std::string(kExposeHeaders));
  return out;
}

CorsPolicy::Preflight CorsPolicy::preflight(const http::request_header<>& req,
                                            std::string_view methods) const {
  Preflight out{false, {}};
  if (enabled()) out.headers.emplace_back("Vary", "Origin");
  const std::string_view origin = req[http::field::origin];
  if (!allows(origin)) return out;
  out.allowed = true;
  out.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  out.headers.emplace_back("Access-Control-Allow-Methods", std::string(methods));
  out.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowHeaders));
  out.headers.emplace_back("Access-Control-Max-Age", std::string(kMaxAgeSeconds));
  return out;
}

bool cors_applies(const Route& route) {
  return route.access != Access::open;
}

}  // namespace gw
