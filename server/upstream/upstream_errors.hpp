#pragma once

#include "server/common/api_error.hpp"

#include <boost/system/error_code.hpp>

namespace gw {

// What a client is told when talking to upstream failed at the transport level:
// 504 for timeouts, 502 for everything else (refused, reset, TLS verification).
ApiError upstream_transport_error(const boost::system::error_code& ec);

// An upstream 401 means the gateway's own key is bad; the client must not read it as
// its own credentials being rejected.
ApiError upstream_credentials_rejected();

}  // namespace gw
