#pragma once

#include <boost/beast/core/flat_buffer.hpp>

#include <algorithm>
#include <cstddef>

namespace gw {

// How much the next read may add to a connection's buffer: a read's worth, never past the
// buffer's cap (prepare() beyond it throws).
inline std::size_t buffer_room(const boost::beast::flat_buffer& buffer) {
  return std::min<std::size_t>(16 * 1024, buffer.max_size() - buffer.size());
}

}  // namespace gw
