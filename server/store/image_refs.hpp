#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw {

// Images kept once per store: a user message's base64 image data is stored apart, by the
// SHA-256 of its base64 text, and the message keeps a reference in its place. The same
// screenshot sent in 20 turns is one stored copy; reading a message puts the data back,
// so what the store returns is byte for byte what it was given.

struct TakenImage {
  std::string hash;  // hex SHA-256 of `data`
  std::string data;  // the base64 text
};

// `content_json` with the data of each base64 image source (top level, and in a
// tool_result's content) replaced by a reference; `taken` gets each image once. nullopt
// when there is none to take (a content without images is not parsed).
std::optional<std::string> take_images(const std::string& content_json,
                                       std::vector<TakenImage>& taken);

// Whether a content holds references to put back.
bool has_image_refs(std::string_view content_json);

// `content_json` with the references to `images` (hash, data) replaced by their data.
// Only those: a reference-like text the store did not write stays as it is.
std::string put_images_back(std::string content_json,
                            const std::vector<std::pair<std::string, std::string>>& images);

}  // namespace gw
