#include "fake/thinking.hpp"

#include "server/common/sha256.hpp"

namespace gw::fake {

std::string thinking_text(std::string_view last_user_text) {
  constexpr std::size_t kQuoted = 80;
  std::size_t n = std::min(kQuoted, last_user_text.size());
  // Never half a UTF-8 character.
  while (n < last_user_text.size() && n > 0 && (last_user_text[n] & 0xC0) == 0x80) --n;
  return "The user wrote: " + std::string(last_user_text.substr(0, n)) + ". I will answer that.";
}

std::string thinking_signature(std::string_view thinking) {
  return "EqQB" + sha256_hex("fake thinking signature\n" + std::string(thinking));
}

}  // namespace gw::fake
