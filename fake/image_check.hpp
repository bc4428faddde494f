#pragma once

#include "fake/messages_api.hpp"
#include "server/common/api_error.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gw::fake {

// What the fake learned about one image block. Dimensions are known only for base64
// sources; url and file sources are accepted as they are (the fake fetches nothing).
struct ImageSeen {
  std::string path;  // "messages.N.content.M" (or deeper, inside a tool_result)
  bool has_dimensions = false;
  unsigned width = 0;
  unsigned height = 0;
};

// Checks one image block's source as upstream does (section 7): media type, the base64
// length limit from `settings`, decodability, magic bytes agreeing with media_type.
// `path` locates the block. Fills `seen` and returns the error to answer with, if any.
std::optional<ApiError> check_image_block(const boost::json::object& block, std::string path,
                                          const FakeSettings& settings, ImageSeen& seen);

// The dimension limit, which depends on how many images the whole request holds:
// 8000 px, or 2000 px when there are more than 20.
std::optional<ApiError> check_image_dimensions(const ImageSeen& image, std::size_t image_count);

// "[image 640x480]", or "[image]" when the dimensions are unknown; used in reply text.
std::string describe_image(const ImageSeen& image);

}  // namespace gw::fake
