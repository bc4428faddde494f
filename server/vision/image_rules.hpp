#pragma once

#include "server/common/api_error.hpp"
#include "server/vision/image_limits.hpp"

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace gw::vision {

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
