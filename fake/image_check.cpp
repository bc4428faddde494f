#include "fake/image_check.hpp"

#include "server/common/sha256.hpp"
#include "server/vision/base64.hpp"

namespace gw::fake {

std::optional<ApiError> check_image_block(const boost::json::object& block, std::string path,
                                          const FakeSettings& settings, ImageSeen& seen) {
  vision::ImageLimits limits;
  limits.max_bytes = settings.image_max_base64_bytes;
  if (auto e = vision::check_image_block(block, std::move(path), limits, seen)) return e;
  if (!seen.has_dimensions) return std::nullopt;
  // Accepted: a base64 source, known valid.
  const auto& source = block.at("source").as_object();
  seen.media_type = std::string(source.at("media_type").as_string());
  const auto bytes = vision::decode_base64(source.at("data").as_string());
  seen.bytes = bytes->size();
  seen.digest = sha256_hex(*bytes).substr(0, 12);
  return std::nullopt;
}

std::optional<ApiError> check_image_dimensions(const ImageSeen& image, std::size_t image_count) {
  return vision::check_image_dimensions(image, image_count, vision::ImageLimits{});
}

std::string describe_image(const ImageSeen& image) {
  if (!image.has_dimensions) return "[image]";
  return "[image " + image.media_type + " " + std::to_string(image.width) + "x" +
         std::to_string(image.height) + ", " + std::to_string(image.bytes) + " bytes, sha256 " +
         image.digest + "]";
}

}  // namespace gw::fake
