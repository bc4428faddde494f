#include "server/vision/image_rules.hpp"

#include "server/vision/image_header.hpp"

#include <boost/json.hpp>

#include <array>
#include <cstdio>

namespace gw::vision {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 4> kMediaTypes = {"image/jpeg", "image/png", "image/gif",
                                                         "image/webp"};

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

const json::string* string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

std::optional<ApiError> check_base64_source(const json::object& source, const std::string& at,
                                            const ImageLimits& limits, ImageSeen& seen) {
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

  if (data->size() > limits.max_bytes) {
    return invalid_request(at + ": image exceeds " + megabytes(limits.max_bytes) +
                           " MB maximum: " + std::to_string(data->size()) + " bytes > " +
                           std::to_string(limits.max_bytes) + " bytes");
  }
  const auto header = read_base64_image(*data);
  if (header.problem == HeaderProblem::bad_base64) {
    return invalid_request(at + ".data: The image data is not valid base64");
  }
  if (!header.info) return invalid_request(at + ".data: Could not process image");
  if (header.info->media_type != std::string_view(*media_type)) {
    return invalid_request(at + ".data: Image does not match the provided media type " +
                           std::string(*media_type));
  }
  seen.has_dimensions = true;
  seen.width = header.info->width;
  seen.height = header.info->height;
  return std::nullopt;
}

bool is_type(const json::object& block, std::string_view type) {
  const auto* t = string_field(block, "type");
  return t && *t == type;
}

// Every image block of the request with its path, in order.
template <class F>
void for_each_image(const json::object& request, F&& f) {
  const auto* messages = request.if_contains("messages");
  if (!messages || !messages->is_array()) return;
  const auto& list = messages->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto* m = list[i].if_object();
    const auto* content = m ? m->if_contains("content") : nullptr;
    if (!content || !content->is_array()) continue;
    const auto& blocks = content->get_array();
    for (std::size_t j = 0; j < blocks.size(); ++j) {
      const auto* b = blocks[j].if_object();
      if (!b) continue;
      const std::string path = "messages." + std::to_string(i) + ".content." + std::to_string(j);
      if (is_type(*b, "image")) {
        f(*b, path);
        continue;
      }
      if (!is_type(*b, "tool_result")) continue;
      const auto* inner = b->if_contains("content");
      if (!inner || !inner->is_array()) continue;
      const auto& inner_blocks = inner->get_array();
      for (std::size_t k = 0; k < inner_blocks.size(); ++k) {
        const auto* ib = inner_blocks[k].if_object();
        if (ib && is_type(*ib, "image")) f(*ib, path + ".content." + std::to_string(k));
      }
    }
  }
}

}  // namespace

std::optional<ApiError> check_image_block(const json::object& block, std::string path,
                                          const ImageLimits& limits, ImageSeen& seen) {
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
  if (*type == "base64") return check_base64_source(*source, at + ".base64", limits, seen);
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

std::optional<ApiError> check_image_dimensions(const ImageSeen& image, std::size_t image_count,
                                               const ImageLimits& limits) {
  if (!image.has_dimensions) return std::nullopt;
  const bool many = image_count > limits.many_images;
  const unsigned limit = many ? limits.many_images_max_dimension : limits.max_dimension;
  if (image.width <= limit && image.height <= limit) return std::nullopt;
  return invalid_request(
      image.path + ".image.source.base64.data: At least one of the image dimensions exceed " +
      (many ? "max allowed size for many-image requests: " : "max allowed size: ") +
      std::to_string(limit) + " pixels");
}

std::optional<ApiError> check_request_images(const json::object& request, const ImageLimits& limits,
                                             std::vector<ImageSeen>* seen) {
  std::vector<ImageSeen> local;
  std::vector<ImageSeen>& images = seen ? *seen : local;
  std::optional<ApiError> refused;
  for_each_image(request, [&](const json::object& block, const std::string& path) {
    if (refused) return;
    ImageSeen image;
    refused = check_image_block(block, path, limits, image);
    images.push_back(std::move(image));
  });
  if (refused) return refused;
  if (images.size() > limits.max_per_request) {
    return invalid_request(
        "messages: Too many images in the request: " + std::to_string(images.size()) + " > " +
        std::to_string(limits.max_per_request) + " (the maximum per request)");
  }
  for (const ImageSeen& image : images) {
    if (auto e = check_image_dimensions(image, images.size(), limits)) return e;
  }
  return std::nullopt;
}

}  // namespace gw::vision
