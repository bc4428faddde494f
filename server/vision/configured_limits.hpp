#pragma once

#include "server/config/config.hpp"
#include "server/vision/image_rules.hpp"

namespace gw::vision {

inline ImageLimits image_limits(const Config::Images& c) {
  ImageLimits l;
  l.max_base64_bytes = c.max_bytes;
  l.max_images = c.max_per_request;
  l.max_dimension = c.max_dimension;
  l.many_images = c.many_images;
  l.many_images_max_dimension = c.many_images_max_dimension;
  return l;
}

}  // namespace gw::vision
