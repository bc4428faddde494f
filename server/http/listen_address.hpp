#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>

namespace gw {

// The endpoint to bind for `listen.host`: an IP address as written, or a name resolved
// (the first IPv4 answer preferred, so "localhost" binds 127.0.0.1). Throws
// std::system_error naming the host when it does not resolve. Blocks: call at start only.
boost::asio::ip::tcp::endpoint resolve_listen_address(const std::string& host, std::uint16_t port);

}  // namespace gw
