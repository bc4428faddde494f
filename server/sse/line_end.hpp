#pragma once

#include <cstring>
#include <string_view>

namespace gw {

// The first "\r" or "\n" at or after `from` (npos if none): where an SSE line ends. Two
// vectorised memchr scans; string_view::find_first_of with a two-byte set calls memchr
// once per byte scanned, which made reading and re-framing events the gateway's largest
// cost per relayed event (callgrind).
inline std::size_t find_line_end(std::string_view text, std::size_t from) {
  if (from >= text.size()) return std::string_view::npos;
  const char* begin = text.data() + from;
  const std::size_t n = text.size() - from;
  const void* lf = std::memchr(begin, '\n', n);
  const std::size_t lf_at = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - begin) : n;
  const void* cr = std::memchr(begin, '\r', lf_at);
  const std::size_t at =
      cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - begin) : lf_at;
  return at == n ? std::string_view::npos : from + at;
}

}  // namespace gw
