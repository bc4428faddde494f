#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gw::vision {

struct ImageInfo {
  std::string media_type;  // "image/jpeg", "image/png", "image/gif" or "image/webp"
  unsigned width = 0;
  unsigned height = 0;
};

// Identifies an image by its magic bytes and reads its pixel dimensions from the header
// alone (JPEG: the first SOFn segment; PNG: IHDR; GIF: logical screen; WebP: VP8, VP8L or
// VP8X). Only the bytes up to the dimensions are examined, so a damaged body is not
// noticed. nullopt for other formats, truncated headers and zero dimensions.
std::optional<ImageInfo> sniff_image(std::string_view bytes);

}  // namespace gw::vision
