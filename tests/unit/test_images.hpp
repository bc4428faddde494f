#pragma once

// Minimal image headers built byte by byte, enough for sniffing and for the fake's image
// validation. Only the bytes a decoder reads for dimensions are meaningful.

#include <string>
#include <string_view>

namespace gw::test_images {

// The 1x1 PNG of the reference's section 3.5.
inline constexpr std::string_view kSpecPngBase64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

inline void put_be16(std::string& s, unsigned v) {
  s += static_cast<char>((v >> 8) & 0xFF);
  s += static_cast<char>(v & 0xFF);
}
inline void put_be32(std::string& s, unsigned v) {
  put_be16(s, v >> 16);
  put_be16(s, v & 0xFFFF);
}
inline void put_le16(std::string& s, unsigned v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>((v >> 8) & 0xFF);
}
inline void put_le24(std::string& s, unsigned v) {
  put_le16(s, v & 0xFFFF);
  s += static_cast<char>((v >> 16) & 0xFF);
}
inline void put_le32(std::string& s, unsigned v) {
  put_le16(s, v & 0xFFFF);
  put_le16(s, v >> 16);
}

inline std::string png(unsigned w, unsigned h) {
  std::string s("\x89PNG\r\n\x1A\n", 8);
  put_be32(s, 13);
  s += "IHDR";
  put_be32(s, w);
  put_be32(s, h);
  s += std::string("\x08\x02\x00\x00\x00", 5);
  put_be32(s, 0);  // CRC, unchecked
  return s;
}

inline std::string jpeg(unsigned w, unsigned h, bool progressive) {
  std::string s("\xFF\xD8", 2);
  s += std::string("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
  s += std::string("\xFF\xDB\x00\x04\x00\x00", 6);  // a (short) DQT segment
  s += progressive ? std::string("\xFF\xC2", 2) : std::string("\xFF\xC0", 2);
  put_be16(s, 17);
  s += '\x08';
  put_be16(s, h);
  put_be16(s, w);
  s += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  s += std::string("\xFF\xD9", 2);
  return s;
}

inline std::string gif(unsigned w, unsigned h) {
  std::string s = "GIF89a";
  put_le16(s, w);
  put_le16(s, h);
  s += std::string("\x00\x00\x00;", 4);
  return s;
}

inline std::string riff(std::string_view chunk_type, const std::string& payload) {
  std::string s = "RIFF";
  put_le32(s, static_cast<unsigned>(payload.size() + 12));
  s += "WEBP";
  s += chunk_type;
  put_le32(s, static_cast<unsigned>(payload.size()));
  s += payload;
  return s;
}

inline std::string webp_vp8(unsigned w, unsigned h) {
  std::string p("\x10\x02\x00\x9D\x01\x2A", 6);
  put_le16(p, w);
  put_le16(p, h);
  p += std::string(4, '\0');
  return riff("VP8 ", p);
}

inline std::string webp_vp8l(unsigned w, unsigned h) {
  std::string p("\x2F", 1);
  put_le32(p, (w - 1) | ((h - 1) << 14));
  p += std::string(3, '\0');
  return riff("VP8L", p);
}

inline std::string webp_vp8x(unsigned w, unsigned h) {
  std::string p(4, '\0');
  put_le24(p, w - 1);
  put_le24(p, h - 1);
  return riff("VP8X", p);
}

inline std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace gw::test_images
