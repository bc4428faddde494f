#pragma once

// One accepted connection of the fake, plain or TLS: the request loop as one coroutine.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace gw::fake {

struct ServerState;

// Runs on the socket's executor (a strand); never throws out of I/O errors.
boost::asio::awaitable<void> serve_connection(std::shared_ptr<ServerState> state,
                                              boost::asio::ip::tcp::socket socket);

}  // namespace gw::fake
