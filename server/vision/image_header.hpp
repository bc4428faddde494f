#pragma once

#include "server/vision/image_sniff.hpp"

#include <optional>
#include <string_view>

namespace gw::vision {

enum class HeaderProblem { none, bad_base64, not_an_image };

struct ImageHeader {
  std::optional<ImageInfo> info;  // set when problem is none
  HeaderProblem problem = HeaderProblem::none;
};

// The format and dimensions of a base64 image. The whole text is checked as strict
// base64, but only the part holding the header is decoded: a few kilobytes, unless a
// JPEG's metadata pushes its frame header further in.
ImageHeader read_base64_image(std::string_view base64);

// The format and dimensions from the first part of a base64 image alone, the rest
// unchecked: for estimates of images already checked (or about to be, by upstream).
std::optional<ImageInfo> peek_base64_image(std::string_view base64);

}  // namespace gw::vision
