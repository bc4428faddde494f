#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace gw {

// A body that arrives piece by piece and is passed on as it comes (a file upload
// forwarded upstream), so that its size costs no memory. Read once: it cannot be replayed.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // The next piece into `out` (replacing it). An empty piece without error: the end.
  virtual boost::asio::awaitable<boost::system::error_code> read(std::string& out) = 0;
  // The length the sender declared, if it did (else the body comes chunked).
  virtual std::optional<std::uint64_t> length() const = 0;
};

}  // namespace gw
