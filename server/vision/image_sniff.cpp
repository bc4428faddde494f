#include "server/vision/image_sniff.hpp"

#include <cstdint>

namespace gw::vision {
namespace {

std::uint32_t byte_at(std::string_view b, std::size_t i) {
  return static_cast<unsigned char>(b[i]);
}
std::uint32_t be16(std::string_view b, std::size_t i) {
  return (byte_at(b, i) << 8) | byte_at(b, i + 1);
}
std::uint32_t be32(std::string_view b, std::size_t i) {
  return (be16(b, i) << 16) | be16(b, i + 2);
}
std::uint32_t le16(std::string_view b, std::size_t i) {
  return byte_at(b, i) | (byte_at(b, i + 1) << 8);
}
std::uint32_t le24(std::string_view b, std::size_t i) {
  return le16(b, i) | (byte_at(b, i + 2) << 16);
}
std::uint32_t le32(std::string_view b, std::size_t i) {
  return le16(b, i) | (le16(b, i + 2) << 16);
}

std::optional<ImageInfo> make(const char* type, std::uint32_t w, std::uint32_t h) {
  if (w == 0 || h == 0) return std::nullopt;
  return ImageInfo{type, w, h};
}

std::optional<ImageInfo> sniff_png(std::string_view b) {
  // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4).
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  const std::uint32_t w = be32(b, 16), h = be32(b, 20);
  // PNG caps dimensions at 2^31 - 1; larger values mean a corrupt header.
  if (w > 0x7FFFFFFFu || h > 0x7FFFFFFFu) return std::nullopt;
  return make("image/png", w, h);
}

std::optional<ImageInfo> sniff_gif(std::string_view b) {
  if (b.size() < 10) return std::nullopt;
  return make("image/gif", le16(b, 6), le16(b, 8));
}

bool is_sof(std::uint32_t marker) {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

std::optional<ImageInfo> sniff_jpeg(std::string_view b) {
  std::size_t pos = 2;  // after SOI
  while (pos < b.size()) {
    if (byte_at(b, pos) != 0xFF) return std::nullopt;
    // Any number of 0xFF fill bytes may precede a marker.
    while (pos < b.size() && byte_at(b, pos) == 0xFF) ++pos;
    if (pos >= b.size()) return std::nullopt;
    const std::uint32_t marker = byte_at(b, pos++);
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no payload
    // Dimensions must come before the scan data or the end of the image.
    if (marker == 0xD8 || marker == 0xD9 || marker == 0xDA) return std::nullopt;
    if (pos + 2 > b.size()) return std::nullopt;
    const std::uint32_t length = be16(b, pos);
    if (length < 2) return std::nullopt;
    if (is_sof(marker)) {
      // length (2), precision (1), height (2), width (2)
      if (length < 7 || pos + 7 > b.size()) return std::nullopt;
      return make("image/jpeg", be16(b, pos + 5), be16(b, pos + 3));
    }
    pos += length;
  }
  return std::nullopt;
}

std::optional<ImageInfo> sniff_webp(std::string_view b) {
  if (b.size() < 16) return std::nullopt;
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8 ") {
    // Frame tag (3) at 20, start code 9D 01 2A at 23, then 14-bit width and height.
    if (b.size() < 30 || byte_at(b, 23) != 0x9D || byte_at(b, 24) != 0x01 ||
        byte_at(b, 25) != 0x2A) {
      return std::nullopt;
    }
    return make("image/webp", le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF);
  }
  if (chunk == "VP8L") {
    // Signature 0x2F at 20, then width-1 and height-1 as two 14-bit fields.
    if (b.size() < 25 || byte_at(b, 20) != 0x2F) return std::nullopt;
    const std::uint32_t bits = le32(b, 21);
    return make("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (chunk == "VP8X") {
    // Flags (1) and reserved (3) at 20, canvas width-1 and height-1 as 24-bit fields.
    if (b.size() < 30) return std::nullopt;
    return make("image/webp", le24(b, 24) + 1, le24(b, 27) + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageInfo> sniff_image(std::string_view b) {
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8)) {
    return sniff_png(b);
  }
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return sniff_jpeg(b);
  if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) {
    return sniff_gif(b);
  }
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") {
    return sniff_webp(b);
  }
  return std::nullopt;
}

}  // namespace gw::vision
