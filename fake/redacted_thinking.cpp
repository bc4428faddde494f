#include "fake/redacted_thinking.hpp"

#include "server/common/sha256.hpp"
#include "server/vision/base64.hpp"

namespace gw::fake {
namespace {

constexpr std::size_t kDigestChars = 32;

std::string digest(std::string_view thinking) {
  return sha256_hex("fake redacted thinking\n" + std::string(thinking)).substr(0, kDigestChars);
}

std::string encode_base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    unsigned v = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
    }
  }
  return out;
}

}  // namespace

bool wants_redacted_thinking(std::string_view last_user_text) {
  return last_user_text.find(kRedactedThinkingMarker) != std::string_view::npos;
}

std::string redacted_thinking_data(std::string_view thinking) {
  return encode_base64(digest(thinking) + std::string(thinking));
}

bool redacted_thinking_data_valid(std::string_view data) {
  const auto bytes = vision::decode_base64(data);
  if (!bytes || bytes->size() < kDigestChars) return false;
  const std::string_view b = *bytes;
  return b.substr(0, kDigestChars) == digest(b.substr(kDigestChars));
}

}  // namespace gw::fake
