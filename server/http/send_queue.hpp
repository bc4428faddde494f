#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <optional>

namespace gw {

namespace asio = boost::asio;

// Bytes written to `socket` that the peer has not acknowledged yet (the kernel's send
// queue, SIOCOUTQ: unsent and in flight, the FIN included once queued). nullopt when the
// socket is closed or its connection is gone (reset, timed out): nothing more can arrive.
std::optional<std::size_t> unacknowledged_bytes(asio::ip::tcp::socket& socket);

// Until the peer has acknowledged everything written to `socket`, the socket is closed
// (by another handler on its executor) or `deadline` passes. A process that exits with
// bytes still queued leaves them to the kernel, and a container's network goes away with
// its process: a slow reader would lose the end of its stream. Polls with a short timer
// (a few milliseconds, growing to 50), so no thread ever waits on the socket.
asio::awaitable<void> wait_until_acknowledged(asio::ip::tcp::socket& socket,
                                              std::chrono::steady_clock::time_point deadline);

}  // namespace gw
