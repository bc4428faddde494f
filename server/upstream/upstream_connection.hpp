#pragma once

#include "server/upstream/upstream_target.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <variant>

namespace gw {

// One connection to upstream, plain (loopback only) or TLS with the peer verified.
class UpstreamConnection {
 public:
  using Plain = boost::beast::tcp_stream;
  using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // Resolves, connects and (for TLS) handshakes with SNI and host name verification,
  // all within `timeout`.
  static boost::asio::awaitable<std::unique_ptr<UpstreamConnection>> open(
      boost::asio::any_io_executor ex, const UpstreamTarget& target, boost::asio::ssl::context* tls,
      std::chrono::milliseconds timeout, boost::system::error_code& ec);

  boost::beast::tcp_stream& tcp();
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), stream_);
  }
  void close();

  boost::beast::flat_buffer buffer;  // bytes read past the current response stay here
  std::chrono::steady_clock::time_point idle_since{};
  unsigned uses = 0;

 private:
  // Beast reads into a flat buffer no more than its free capacity, 512 bytes at least: a
  // buffer that starts empty took a small JSON reply in four reads (strace).
  template <class... Args>
  explicit UpstreamConnection(Args&&... args) : stream_(std::forward<Args>(args)...) {
    buffer.reserve(16 * 1024);
  }
  std::variant<Plain, Tls> stream_;
};

}  // namespace gw
