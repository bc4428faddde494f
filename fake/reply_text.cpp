#include "fake/reply_text.hpp"

#include <cstdint>

namespace gw::fake {
namespace {

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void append_words(std::string& out, std::size_t count, std::uint64_t seed) {
  out.reserve(out.size() + count * 7);
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t r = splitmix64(state);
    const unsigned length = 2 + static_cast<unsigned>(r % 7);
    r /= 7;
    out.push_back(' ');
    // One 64-bit draw carries enough entropy for up to 8 letters (26^8 < 2^38).
    for (unsigned k = 0; k < length; ++k) {
      out.push_back(static_cast<char>('a' + r % 26));
      r /= 26;
    }
  }
}

}  // namespace

std::optional<std::size_t> words_marker(std::string_view text) {
  constexpr std::string_view kOpen = "[[words:";
  std::size_t from = 0;
  while ((from = text.find(kOpen, from)) != std::string_view::npos) {
    std::size_t i = from + kOpen.size();
    std::size_t n = 0;
    const std::size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n <= kMaxMarkerWords) n = n * 10 + static_cast<std::size_t>(text[i] - '0');
      ++i;
    }
    if (i > digits_start && text.substr(i, 2) == "]]") return std::min(n, kMaxMarkerWords);
    from += kOpen.size();
  }
  return std::nullopt;
}

std::string base_reply(std::string_view last_user_text) {
  std::string reply = "You said: ";
  reply += last_user_text;
  if (auto n = words_marker(last_user_text)) append_words(reply, *n, fnv1a(last_user_text));
  return reply;
}

std::string continue_prefill(std::string reply, std::string_view prefill) {
  if (prefill.empty()) return reply;
  if (std::string_view(reply).starts_with(prefill)) return reply.substr(prefill.size());
  reply.insert(reply.begin(), ' ');
  return reply;
}

}  // namespace gw::fake
