#include "server/queue/token_estimate.hpp"

#include "server/vision/image_header.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace gw {

namespace {

namespace json = boost::json;

constexpr std::uint64_t kMaxImageTokens = 1600;
// Upstream scales an image whose long edge is longer than this down to it.
constexpr double kMaxLongEdge = 1568;

std::uint64_t image_block_tokens(const json::object& block) {
  const auto* source = block.if_contains("source");
  if (!source || !source->is_object()) return kMaxImageTokens;
  const auto* data = source->as_object().if_contains("data");
  if (!data || !data->is_string()) return kMaxImageTokens;
  auto info = vision::peek_base64_image(data->as_string());
  return info ? image_tokens(info->width, info->height) : kMaxImageTokens;
}

// Characters of text in `v`, with each image counted as its tokens x 4.
std::uint64_t weigh(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return v.get_string().size();
    case json::kind::array: {
      std::uint64_t n = 0;
      for (const auto& item : v.get_array()) n += weigh(item);
      return n;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      if (const auto* type = o.if_contains("type");
          type && type->is_string() && type->get_string() == "image") {
        return image_block_tokens(o) * 4;
      }
      std::uint64_t n = 0;
      for (const auto& [key, value] : o) n += key.size() + weigh(value);
      return n;
    }
    case json::kind::null:
      return 0;
    default:
      return 2;  // a number or a bool
  }
}

}  // namespace

std::uint64_t image_tokens(unsigned width, unsigned height) {
  if (width == 0 || height == 0) return kMaxImageTokens;
  // Upstream's downscaling: the long edge to at most 1568 px, aspect kept, then to about
  // 1,600 tokens; an image costs about width x height / 750 tokens as it is then.
  const double scale = std::min(1.0, kMaxLongEdge / std::max(width, height));
  const double w = std::max(1.0, std::floor(width * scale));
  const double h = std::max(1.0, std::floor(height * scale));
  const auto t = static_cast<std::uint64_t>(std::ceil(w * h / 750));
  return std::clamp<std::uint64_t>(t, 1, kMaxImageTokens);
}

std::uint64_t estimate_input_tokens(const json::object& request) {
  std::uint64_t chars = 0;
  for (std::string_view field : {"system", "messages", "tools"}) {
    if (const auto* v = request.if_contains(field)) chars += weigh(*v);
  }
  return (chars + 3) / 4;
}

}  // namespace gw
