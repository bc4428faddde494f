#include "server/upstream/upstream_errors.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

namespace gw {

ApiError upstream_transport_error(const boost::system::error_code& ec) {
  if (ec == boost::beast::error::timeout || ec == boost::asio::error::timed_out) {
    return gateway_timeout("upstream did not answer in time");
  }
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    return bad_gateway("upstream TLS failed: " + ec.message());
  }
  return bad_gateway("upstream unreachable: " + ec.message());
}

ApiError upstream_credentials_rejected() {
  return bad_gateway("gateway upstream credentials rejected");
}

}  // namespace gw
