// The image header readers against any bytes (PNG IHDR, JPEG SOF after any segments, GIF
// logical screen, WebP VP8 / VP8L / VP8X) and the image check that wraps them: no crash,
// dimensions never zero, and the same answer whichever way the bytes arrive, raw or as
// the base64 a request carries (whose reader decodes only a prefix when it can).
//
// Input: byte 0 picks the declared media type; the rest is the image's bytes.
#include <array>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "fuzz/registry.hpp"
#include "server/vision/base64.hpp"
#include "server/vision/image_header.hpp"
#include "server/vision/image_rules.hpp"
#include "server/vision/image_sniff.hpp"

namespace gw::fuzz {
namespace {

constexpr std::array<std::string_view, 5> kDeclared = {"image/png", "image/jpeg", "image/gif",
                                                       "image/webp", "image/bmp"};

}  // namespace

GW_FUZZ_TARGET(image_header) {
  if (size < 1) return;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto raw = vision::sniff_image(bytes);
  if (raw && (raw->width == 0 || raw->height == 0)) fail("image_header", "zero dimension");

  const std::string text = vision::encode_base64(bytes);
  const auto header = vision::read_base64_image(text);
  if (header.problem == vision::HeaderProblem::bad_base64) {
    fail("image_header", "its own base64 refused");
  }
  if (raw.has_value() != header.info.has_value() ||
      (raw && (raw->width != header.info->width || raw->height != header.info->height ||
               raw->media_type != header.info->media_type))) {
    fail("image_header", "raw bytes and base64 read differently");
  }

  const std::string_view declared = kDeclared[data[0] % kDeclared.size()];
  boost::json::object block{
      {"type", "image"},
      {"source", {{"type", "base64"}, {"media_type", declared}, {"data", text}}}};
  vision::ImageSeen seen;
  const auto refused = vision::check_image_block(block, "messages.0.content.0", {}, seen);
  const bool should_pass = raw && raw->media_type == declared && text.size() <= 5 * 1024 * 1024;
  if (should_pass == refused.has_value()) fail("image_header", "check disagrees with the sniff");
  if (!refused && (seen.width != raw->width || seen.height != raw->height)) {
    fail("image_header", "check reports other dimensions");
  }
}

}  // namespace gw::fuzz
