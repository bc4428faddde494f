#include "server/vision/image_header.hpp"

#include "server/vision/base64.hpp"

namespace gw::vision {
namespace {

// Enough for a PNG, GIF or WebP header and for most JPEGs' frame header.
constexpr std::size_t kHeaderChars = 64 * 1024;

}  // namespace

std::optional<ImageInfo> peek_base64_image(std::string_view text) {
  // A multiple of four short of the last quad, the only one with padding: valid alone.
  const std::size_t prefix = text.size() > kHeaderChars ? kHeaderChars : text.size() / 4 * 4;
  auto bytes = decode_base64(text.substr(0, prefix));
  return bytes ? sniff_image(*bytes) : std::nullopt;
}

ImageHeader read_base64_image(std::string_view text) {
  if (!is_base64(text)) return {std::nullopt, HeaderProblem::bad_base64};
  if (auto info = peek_base64_image(text)) return {info, HeaderProblem::none};
  if (text.size() > kHeaderChars) {
    // A JPEG with more metadata than the prefix holds: its frame header is further in.
    if (auto bytes = decode_base64(text)) {
      if (auto info = sniff_image(*bytes)) return {info, HeaderProblem::none};
    }
  }
  return {std::nullopt, HeaderProblem::not_an_image};
}

}  // namespace gw::vision
