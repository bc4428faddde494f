#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gw::vision {

// Strict standard-alphabet base64 (RFC 4648 section 4), as the Messages API accepts it in
// image sources: the length must be a multiple of 4, '=' may only appear as one or two
// final padding characters, and whitespace, line breaks or URL-safe characters are
// rejected. Non-zero bits in the last character before padding are tolerated, as
// Python's b64decode(validate=True) does upstream. nullopt when the input is invalid.
std::optional<std::string> decode_base64(std::string_view text);

// The same check without decoding: no allocation, for a multi-megabyte image whose header
// alone is needed.
bool is_base64(std::string_view text);

// Standard-alphabet base64 with padding, as decode_base64 takes it back: what a file
// uploaded as bytes (a multipart image part) becomes in an image source.
std::string encode_base64(std::string_view bytes);

}  // namespace gw::vision
