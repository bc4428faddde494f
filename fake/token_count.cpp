#include "fake/token_count.hpp"

#include <array>

namespace gw::fake {
namespace {

enum class ByteClass : unsigned char { kWord, kSpace, kOther };

constexpr std::array<ByteClass, 256> make_classes() {
  std::array<ByteClass, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    const bool word =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    t[c] = word ? ByteClass::kWord : space ? ByteClass::kSpace : ByteClass::kOther;
  }
  return t;
}

constexpr auto kClasses = make_classes();

ByteClass class_of(char c) {
  return kClasses[static_cast<unsigned char>(c)];
}

// Calls on_token(end) for each token; returns early when it yields false.
template <typename F>
void scan_tokens(std::string_view text, F&& on_token) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    switch (class_of(text[i])) {
      case ByteClass::kSpace:
        ++i;
        break;
      case ByteClass::kOther:
        ++i;
        if (!on_token(i)) return;
        break;
      case ByteClass::kWord:
        while (i < n && class_of(text[i]) == ByteClass::kWord) ++i;
        if (!on_token(i)) return;
        break;
    }
  }
}

}  // namespace

std::size_t count_text_tokens(std::string_view text) {
  std::size_t count = 0;
  scan_tokens(text, [&](std::size_t) {
    ++count;
    return true;
  });
  return count;
}

std::vector<std::size_t> token_ends(std::string_view text) {
  std::vector<std::size_t> ends;
  ends.reserve(text.size() / 4 + 1);
  scan_tokens(text, [&](std::size_t end) {
    ends.push_back(end);
    return true;
  });
  return ends;
}

std::size_t prefix_within_tokens(std::string_view text, std::size_t max_tokens) {
  std::size_t count = 0;
  std::size_t kept_end = 0;
  bool over = false;
  scan_tokens(text, [&](std::size_t end) {
    if (++count > max_tokens) {
      over = true;
      return false;
    }
    kept_end = end;
    return true;
  });
  return over ? kept_end : text.size();
}

std::size_t image_tokens(unsigned width, unsigned height) {
  const unsigned long long area = static_cast<unsigned long long>(width) * height;
  return static_cast<std::size_t>((area + 749) / 750);
}

}  // namespace gw::fake
