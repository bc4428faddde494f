#include "server/common/utf8.hpp"

namespace gw {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Bytes of the well-formed sequence at the start of `s`, or 0; `valid_prefix` gets how
// many of its first bytes could still begin one (the maximal subpart to replace).
std::size_t sequence_length(std::string_view s, std::size_t& valid_prefix) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  valid_prefix = 1;
  const unsigned char lead = b(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;  // the range of the second byte (Unicode table 3-7)
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (i >= s.size()) return 0;
    const unsigned char lo = i == 1 ? low : 0x80;
    const unsigned char hi = i == 1 ? high : 0xBF;
    if (b(i) < lo || b(i) > hi) return 0;
    valid_prefix = i + 1;
  }
  return length;
}

}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    std::size_t prefix = 0;
    if (const std::size_t n = sequence_length(s, prefix)) {
      out.append(s.substr(0, n));
      s.remove_prefix(n);
    } else {
      out.append(kReplacement);
      s.remove_prefix(prefix);
    }
  }
  return out;
}

}  // namespace gw
