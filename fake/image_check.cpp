#include "fake/image_check.hpp"

namespace gw::fake {

std::optional<ApiError> check_image_block(const boost::json::object& block, std::string path,
                                          const FakeSettings& settings, ImageSeen& seen) {
  vision::ImageLimits limits;
  limits.max_base64_bytes = settings.image_max_base64_bytes;
  return vision::check_image_block(block, std::move(path), limits, seen);
}

std::optional<ApiError> check_image_dimensions(const ImageSeen& image, std::size_t image_count) {
  return vision::check_image_dimensions(image, image_count, vision::ImageLimits{});
}

std::string describe_image(const ImageSeen& image) {
  if (!image.has_dimensions) return "[image]";
  return "[image " + std::to_string(image.width) + "x" + std::to_string(image.height) + "]";
}

}  // namespace gw::fake
