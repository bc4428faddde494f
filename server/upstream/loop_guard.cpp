#include "server/upstream/loop_guard.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <random>

namespace gw {

namespace http = boost::beast::http;

namespace {

std::string make_pseudonym() {
  std::array<unsigned char, 8> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out = "claude-gateway-";
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace

std::string_view gateway_via_pseudonym() {
  static const std::string pseudonym = make_pseudonym();
  return pseudonym;
}

std::string via_with_gateway_entry(std::string_view client_via) {
  std::string out(client_via);
  if (!out.empty()) out += ", ";
  out += "1.1 ";
  out += gateway_via_pseudonym();
  return out;
}

std::optional<ApiError> check_request_loop(const http::fields& request) {
  // Every Via field line counts: a proxy in between may have added its own line.
  const auto [first, last] = request.equal_range(http::field::via);
  for (auto it = first; it != last; ++it) {
    if (it->value().find(gateway_via_pseudonym()) == std::string_view::npos) continue;
    return ApiError{http::status::loop_detected, "api_error",
                    "request loop: this request already passed through this gateway; its "
                    "upstream.base_url points at the gateway itself (ANTHROPIC_BASE_URL is "
                    "probably set to the gateway's own address)"};
  }
  return std::nullopt;
}

}  // namespace gw
