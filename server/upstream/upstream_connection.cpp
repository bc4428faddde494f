#include "server/upstream/upstream_connection.hpp"

#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gw {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
}

asio::awaitable<std::unique_ptr<UpstreamConnection>> UpstreamConnection::open(
    asio::any_io_executor ex, const UpstreamTarget& target, asio::ssl::context* tls,
    std::chrono::milliseconds timeout, boost::system::error_code& ec) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(target.host, target.port, kTuple);
  if (rec) {
    ec = rec;
    co_return nullptr;
  }
  std::unique_ptr<UpstreamConnection> conn;
  if (target.tls) {
    conn.reset(new UpstreamConnection(std::in_place_type<Tls>, beast::tcp_stream(ex), *tls));
  } else {
    conn.reset(new UpstreamConnection(std::in_place_type<Plain>, ex));
  }
  auto& sock = conn->tcp();
  sock.expires_at(deadline);
  auto [cec, ep] = co_await sock.async_connect(results, kTuple);
  if (cec) {
    ec = cec;
    co_return nullptr;
  }
  sock.socket().set_option(tcp::no_delay(true), cec);
  if (target.tls) {
    auto& s = std::get<Tls>(conn->stream_);
    // SNI, and the certificate must name the host we asked for.
    if (!SSL_set_tlsext_host_name(s.native_handle(), target.host.c_str())) {
      ec = beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
      co_return nullptr;
    }
    s.set_verify_mode(asio::ssl::verify_peer);
    s.set_verify_callback(asio::ssl::host_name_verification(target.host));
    auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) {
      ec = hec;
      co_return nullptr;
    }
  }
  sock.expires_never();
  ec = {};
  co_return conn;
}

beast::tcp_stream& UpstreamConnection::tcp() {
  return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                    stream_);
}

void UpstreamConnection::close() {
  beast::error_code ec;
  tcp().socket().close(ec);
}

}  // namespace gw
