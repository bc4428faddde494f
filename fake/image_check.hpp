#pragma once

#include "fake/messages_api.hpp"
#include "server/common/api_error.hpp"
#include "server/vision/image_rules.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace gw::fake {

// Upstream's image rules (section 7) are the gateway's too, which checks them before
// anything is paid for: both use server/vision/image_rules, with the fake's settings.
// What the fake also notes of an image it accepted, to say in its reply, so that a test
// can tell the bytes arrived intact.
struct ImageSeen : vision::ImageSeen {
  std::string media_type;
  std::size_t bytes = 0;
  std::string digest;  // the first 12 hex digits of the decoded bytes' SHA-256
};

// Checks one image block's source as upstream does; `path` locates the block.
std::optional<ApiError> check_image_block(const boost::json::object& block, std::string path,
                                          const FakeSettings& settings, ImageSeen& seen);

// The dimension limit, which depends on how many images the whole request holds:
// 8000 px, or 2000 px when there are more than 20.
std::optional<ApiError> check_image_dimensions(const ImageSeen& image, std::size_t image_count);

// "[image image/png 640x480, 1234 bytes, sha256 0123456789ab]", or "[image]" for a url or
// file source; used in reply text.
std::string describe_image(const ImageSeen& image);

}  // namespace gw::fake
