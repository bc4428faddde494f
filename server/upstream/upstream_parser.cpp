#include "server/upstream/upstream_parser.hpp"

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstring>

namespace gw {

std::size_t UpstreamParser::on_body_impl(boost::beast::string_view body, error_code& ec) {
  if (!out_ || room_ == 0) {
    ec = boost::beast::http::error::need_buffer;
    return 0;
  }
  const std::size_t n = std::min(room_, body.size());
  std::memcpy(out_, body.data(), n);
  out_ += n;
  room_ -= n;
  ec = n == body.size() ? error_code{} : error_code(boost::beast::http::error::need_buffer);
  return n;
}

}  // namespace gw
