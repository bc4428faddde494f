#include "server/vision/base64.hpp"

#include <array>
#include <cstdint>

namespace gw::vision {
namespace {

constexpr std::uint8_t kInvalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return t;
}

constexpr auto kTable = make_table();

// Checks `text` and, when `out` is given, decodes it there (sized by the caller).
bool decode_into(std::string_view text, char* out) {
  if (text.size() % 4 != 0) return false;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = (text[text.size() - 2] == '=') ? 2 : 1;
  }
  const std::size_t body = text.size() - padding;
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t o = 0;
  std::size_t i = 0;
  // Whole quads first: the hot loop for multi-megabyte images.
  for (; i + 4 <= body; i += 4) {
    const std::uint8_t a = kTable[in[i]], b = kTable[in[i + 1]], c = kTable[in[i + 2]],
                       d = kTable[in[i + 3]];
    if ((a | b | c | d) == kInvalid || ((a | b | c | d) & 0xC0)) return false;
    if (!out) continue;
    const std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                            (std::uint32_t{c} << 6) | std::uint32_t{d};
    out[o++] = static_cast<char>(v >> 16);
    out[o++] = static_cast<char>((v >> 8) & 0xFF);
    out[o++] = static_cast<char>(v & 0xFF);
  }
  if (padding > 0) {
    const std::uint8_t a = kTable[in[i]], b = kTable[in[i + 1]];
    const std::uint8_t c = padding == 1 ? kTable[in[i + 2]] : 0;
    if ((a | b | c) & 0xC0) return false;
    if (!out) return true;
    const std::uint32_t v =
        (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6);
    out[o++] = static_cast<char>(v >> 16);
    if (padding == 1) out[o++] = static_cast<char>((v >> 8) & 0xFF);
  }
  return true;
}

std::size_t decoded_size(std::string_view text) {
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = (text[text.size() - 2] == '=') ? 2 : 1;
  return text.size() / 4 * 3 - padding;
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(decoded_size(text), '\0');
  if (!decode_into(text, out.data())) return std::nullopt;
  return out;
}

bool is_base64(std::string_view text) {
  return decode_into(text, nullptr);
}

std::string encode_base64(std::string_view bytes) {
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += alphabet[n >> 18];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const std::uint32_t n = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += alphabet[n >> 18];
    out += alphabet[(n >> 12) & 63];
    out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace gw::vision
