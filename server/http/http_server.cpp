#include "server/http/http_server.hpp"

#include "server/common/ids.hpp"
#include "server/common/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <system_error>

namespace gw {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
using tcp = asio::ip::tcp;

// After refusing an upload, read (and drop) what the client is still sending for a
// moment: closing with unread data makes the kernel send a reset, and the client would
// see a broken connection instead of our 413.
asio::awaitable<void> discard_upload(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::milliseconds(500));
  char sink[16 * 1024];
  std::size_t total = 0;
  while (total < 4 * 1024 * 1024) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
    total += n;
  }
}

ApiError body_too_large(std::size_t limit) {
  return request_too_large("request body exceeds the limit of " + std::to_string(limit) + " bytes");
}

std::string_view path_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}
}  // namespace

struct HttpServer::Connection {
  explicit Connection(beast::tcp_stream s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  bool idle = true;  // touched only on the connection's own worker thread
  bool closed = false;
};

HttpServer::HttpServer(IoWorkers& workers, const Router& router, const Config::Limits& limits)
    : workers_(workers), router_(router), limits_(limits) {}

void HttpServer::listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::system_error(ec, "listen address " + host);
  tcp::endpoint ep{address, port};
  acceptor_ = std::make_unique<tcp::acceptor>(workers_.context(0));
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "listen on " + host + ":" + std::to_string(port));
  port_ = acceptor_->local_endpoint().port();
}

void HttpServer::start() {
  asio::co_spawn(workers_.context(0), accept_loop(), asio::detached);
}

asio::awaitable<void> HttpServer::accept_loop() {
  while (!draining_) {
    std::size_t worker = workers_.next();
    auto [ec, socket] =
        co_await acceptor_->async_accept(workers_.context(worker).get_executor(), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || draining_) break;
      // Out of descriptors and similar: log and keep serving the connections we have.
      log::warn("accept failed", {{"error", ec.message()}});
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(beast::tcp_stream(std::move(socket)));
    {
      std::lock_guard lock(mutex_);
      connections_.push_back(conn);
    }
    asio::co_spawn(workers_.context(worker), serve(conn, worker),
                   [this, conn](std::exception_ptr e) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         log::error("connection failed", {{"error", ex.what()}});
                       }
                     }
                     std::lock_guard lock(mutex_);
                     connections_.remove(conn);
                   });
  }
}

asio::awaitable<void> HttpServer::serve(std::shared_ptr<Connection> conn, std::size_t worker) {
  auto& stream = conn->stream;
  beast::flat_buffer buffer;
  for (;;) {
    conn->idle = true;
    if (draining_ || conn->closed) break;
    if (buffer.size() == 0) {
      // Waiting for the next request on a kept-alive connection.
      stream.expires_after(limits_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      if (ec) break;
      buffer.commit(n);
    }
    conn->idle = false;

    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser.body_limit(limits_.max_body_bytes);
    RequestLog log;
    log.request_id = make_id("req_");
    Exchange ex(stream, buffer, parser.get(), log, worker, limits_.idle_timeout);
    if (draining_) ex.set_close();

    // The whole header must arrive within header_timeout: a slow client is cut off.
    stream.expires_after(limits_.header_timeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (hec) {
      if (hec == http::error::body_limit) {  // the declared Content-Length is over the limit
        co_await refuse(ex, body_too_large(limits_.max_body_bytes), true);
      } else if (hec == http::error::header_limit) {
        co_await refuse(
            ex,
            {http::status::request_header_fields_too_large, "invalid_request_error",
             "request headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes"},
            false);
      } else if (hec != beast::error::timeout && hec != http::error::end_of_stream &&
                 hec != asio::error::eof && hec != asio::error::connection_reset) {
        co_await refuse(ex, invalid_request("malformed HTTP request: " + hec.message()), false);
      }
      break;
    }
    auto& req = parser.get();
    log.method = std::string(req.method_string());

    auto length = parser.content_length();
    if (length && *length > limits_.max_body_bytes) {
      co_await refuse(ex, body_too_large(limits_.max_body_bytes), true);
      break;
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, req.version()};
      stream.expires_after(limits_.body_timeout);
      auto [cec, cn] = co_await http::async_write(stream, cont, kTuple);
      if (cec) break;
    }
    if (!parser.is_done()) {
      stream.expires_after(limits_.body_timeout);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kTuple);
      if (bec) {
        if (bec == http::error::body_limit) {
          co_await refuse(ex, body_too_large(limits_.max_body_bytes), true);
        }
        break;  // a timed-out or vanished client gets no answer: nobody is there to read it
      }
    }
    stream.expires_never();

    co_await dispatch(ex);
    write_access_log(log);
    if (observer_) observer_(log);
    if (!ex.reusable() || ex.client_left() || !req.keep_alive()) break;
  }
  conn->closed = true;
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
}

asio::awaitable<void> HttpServer::refuse(Exchange& ex, const ApiError& error, bool discard_body) {
  ex.set_close();
  co_await ex.respond_error(error);
  write_access_log(ex.log());
  if (observer_) observer_(ex.log());
  if (discard_body) co_await discard_upload(ex.stream());
}

asio::awaitable<void> HttpServer::dispatch(Exchange& ex) {
  auto& req = ex.request();
  auto match = router_.match(req.method(), path_of(req.target()));
  ex.log().route = match.name.empty() ? "unmatched" : std::string(match.name);
  if (!match.handler) {
    if (match.allow.empty()) {
      co_await ex.respond_error(not_found("no route for " + std::string(path_of(req.target()))));
    } else {
      StringResponse res{http::status::method_not_allowed, req.version()};
      res.set(http::field::allow, match.allow);
      res.set(http::field::content_type, "application/json");
      res.body() = error_body("invalid_request_error",
                              std::string(req.method_string()) + " is not allowed on " +
                                  std::string(path_of(req.target())) + "; allowed: " + match.allow,
                              ex.request_id());
      ex.log().error_type = "invalid_request_error";
      co_await ex.respond(std::move(res));
    }
    co_return;
  }
  for (auto& [k, v] : match.params) ex.params().emplace(k, v);
  std::string failure;
  try {
    co_await (*match.handler)(ex);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    log::error("handler failed", {{"request_id", ex.request_id()}, {"error", failure}});
  }
  if (!ex.responded() && !ex.client_left()) {
    co_await ex.respond_error(internal_error("the gateway failed to handle this request"));
  } else if (!failure.empty()) {
    ex.set_close();
  }
}

void HttpServer::begin_drain() {
  if (draining_.exchange(true)) return;
  if (acceptor_) {
    asio::post(acceptor_->get_executor(), [this] {
      beast::error_code ec;
      acceptor_->close(ec);
    });
  }
  std::lock_guard lock(mutex_);
  for (auto& conn : connections_) {
    asio::post(conn->stream.get_executor(), [conn] {
      if (conn->idle && !conn->closed) conn->stream.socket().cancel();
    });
  }
}

std::size_t HttpServer::open_connections() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

void HttpServer::close_all() {
  std::lock_guard lock(mutex_);
  for (auto& conn : connections_) {
    asio::post(conn->stream.get_executor(), [conn] {
      beast::error_code ec;
      conn->stream.socket().close(ec);
    });
  }
}

void HttpServer::release() {
  acceptor_.reset();
  std::lock_guard lock(mutex_);
  connections_.clear();
}

}  // namespace gw
