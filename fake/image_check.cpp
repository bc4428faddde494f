#include "fake/image_check.hpp"

#include "server/vision/base64.hpp"
#include "server/vision/image_sniff.hpp"

#include <boost/json/string.hpp>

#include <array>
#include <cstdio>

namespace gw::fake {
namespace {

constexpr std::array<std::string_view, 4> kMediaTypes = {"image/jpeg", "image/png", "image/gif",
                                                         "image/webp"};
constexpr unsigned kMaxDimension = 8000;
constexpr unsigned kMaxDimensionManyImages = 2000;
constexpr std::size_t kManyImages = 20;

// "5" for 5 MiB, "7.5" for 7.5 MiB: the limit is a setting, the message names it in MB.
std::string megabytes(std::size_t bytes) {
  const std::size_t mib = 1024 * 1024;
  if (bytes % mib == 0) return std::to_string(bytes / mib);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / mib);
  return buf;
}

ApiError field_required(const std::string& path) {
  return invalid_request(path + ": Field required");
}

const boost::json::string* string_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

std::optional<ApiError> check_base64_source(const boost::json::object& source,
                                            const std::string& at, const FakeSettings& settings,
                                            ImageSeen& seen) {
  const auto* media = source.if_contains("media_type");
  if (media == nullptr) return field_required(at + ".media_type");
  const auto* media_type = media->if_string();
  bool known = false;
  for (auto t : kMediaTypes) known = known || (media_type && *media_type == t);
  if (!known) {
    return invalid_request(at +
                           ".media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' "
                           "or 'image/webp'");
  }
  const auto* data_value = source.if_contains("data");
  if (data_value == nullptr) return field_required(at + ".data");
  const auto* data = data_value->if_string();
  if (data == nullptr) return invalid_request(at + ".data: Input should be a valid string");

  // Upstream measures the base64 string, not the decoded bytes (section 7).
  if (data->size() > settings.image_max_base64_bytes) {
    return invalid_request(at + ": image exceeds " + megabytes(settings.image_max_base64_bytes) +
                           " MB maximum: " + std::to_string(data->size()) + " bytes > " +
                           std::to_string(settings.image_max_base64_bytes) + " bytes");
  }
  const auto bytes = vision::decode_base64(*data);
  if (!bytes) return invalid_request(at + ".data: The image data is not valid base64");
  const auto info = vision::sniff_image(*bytes);
  if (!info) return invalid_request(at + ".data: Could not process image");
  if (info->media_type != std::string_view(*media_type)) {
    return invalid_request(at + ".data: Image does not match the provided media type " +
                           std::string(*media_type));
  }
  seen.has_dimensions = true;
  seen.width = info->width;
  seen.height = info->height;
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> check_image_block(const boost::json::object& block, std::string path,
                                          const FakeSettings& settings, ImageSeen& seen) {
  seen.path = std::move(path);
  const std::string at = seen.path + ".image.source";
  const auto* source_value = block.if_contains("source");
  if (source_value == nullptr) return field_required(at);
  const auto* source = source_value->if_object();
  if (source == nullptr) return invalid_request(at + ": Input should be a valid dictionary");
  const auto* type = string_field(*source, "type");
  if (type == nullptr) {
    return invalid_request(at + ": Unable to extract tag using discriminator 'type'");
  }
  if (*type == "base64") return check_base64_source(*source, at + ".base64", settings, seen);
  if (*type == "url") {
    if (string_field(*source, "url") == nullptr) return field_required(at + ".url.url");
    return std::nullopt;
  }
  if (*type == "file") {
    if (string_field(*source, "file_id") == nullptr) return field_required(at + ".file.file_id");
    return std::nullopt;
  }
  return invalid_request(at + ": Input tag '" + std::string(*type) +
                         "' found using 'type' does not match any of the expected tags: "
                         "'base64', 'url', 'file'");
}

std::optional<ApiError> check_image_dimensions(const ImageSeen& image, std::size_t image_count) {
  if (!image.has_dimensions) return std::nullopt;
  const bool many = image_count > kManyImages;
  const unsigned limit = many ? kMaxDimensionManyImages : kMaxDimension;
  if (image.width <= limit && image.height <= limit) return std::nullopt;
  return invalid_request(
      image.path + ".image.source.base64.data: At least one of the image dimensions exceed " +
      (many ? "max allowed size for many-image requests: " : "max allowed size: ") +
      std::to_string(limit) + " pixels");
}

std::string describe_image(const ImageSeen& image) {
  if (!image.has_dimensions) return "[image]";
  return "[image " + std::to_string(image.width) + "x" + std::to_string(image.height) + "]";
}

}  // namespace gw::fake
