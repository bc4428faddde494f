#pragma once

#include "server/common/api_error.hpp"

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace gw::vision {

// Upstream's image limits (messages-api-reference.md section 7). The per-image limit is
// measured on the base64 string: 5 MB long-standing, 10 MB on the newer first-party API.
struct ImageLimits {
  std::size_t max_base64_bytes = 5 * 1024 * 1024;
  std::size_t max_images = 100;               // per request
  unsigned max_dimension = 8000;              // px, either side
  std::size_t many_images = 20;               // a request with more than this many images ...
  unsigned many_images_max_dimension = 2000;  // ... allows only this
};

// One image block of a request. Dimensions are known only for base64 sources: url and
// file sources are passed as they are (nothing is fetched).
struct ImageSeen {
  std::string path;  // "messages.N.content.M" (or deeper, inside a tool_result)
  bool has_dimensions = false;
  unsigned width = 0;
  unsigned height = 0;
};

// One image block's source, checked as upstream checks it: the source's shape, the media
// type, the base64 length limit, strict base64, magic bytes agreeing with media_type. Only
// the header is decoded. Fills `seen`; the refusal in upstream's words, if any.
std::optional<ApiError> check_image_block(const boost::json::object& block, std::string path,
                                          const ImageLimits& limits, ImageSeen& seen);

// The dimension limit, which depends on how many images the whole request holds.
std::optional<ApiError> check_image_dimensions(const ImageSeen& image, std::size_t image_count,
                                               const ImageLimits& limits);

// Every image of a Messages API request (each message's content, and the content of its
// tool_result blocks), each checked, then their number and dimensions: the first refusal.
// The images found go to `seen` when given.
std::optional<ApiError> check_request_images(const boost::json::object& request,
                                             const ImageLimits& limits,
                                             std::vector<ImageSeen>* seen = nullptr);

}  // namespace gw::vision
