#pragma once

#include <cstddef>

namespace gw::vision {

// Upstream's image limits (messages-api-reference.md section 7), the gateway's `images:`
// config section. The per-image limit is measured on the base64 string: 5 MB
// long-standing, 10 MB on the newer first-party API.
struct ImageLimits {
  std::size_t max_bytes = 5 * 1024 * 1024;    // base64 text of one image
  std::size_t max_per_request = 100;          // images in one request
  unsigned max_dimension = 8000;              // px, either side
  std::size_t many_images = 20;               // a request with more images than this ...
  unsigned many_images_max_dimension = 2000;  // ... allows only this
};

}  // namespace gw::vision
