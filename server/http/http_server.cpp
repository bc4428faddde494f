#include "server/http/http_server.hpp"

#include "server/common/ids.hpp"
#include "server/common/log.hpp"
#include "server/http/accept_backoff.hpp"
#include "server/http/buffer_room.hpp"
#include "server/http/client_body.hpp"
#include "server/http/connection_cap.hpp"
#include "server/http/listen_address.hpp"
#include "server/http/send_queue.hpp"
#include "server/metrics/gateway_metrics.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>

#include <system_error>

namespace gw {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
using tcp = asio::ip::tcp;

// Lingering close, as nginx does it: after a refusal, the client may still be sending (a
// body, the rest of a header, a trailer flood). Closing with its bytes unread makes our
// kernel reset the connection, and a reset makes the client's kernel drop our answer
// unread. So read and drop what keeps coming, into a sink on the stack (no memory grows),
// until the client pauses for half a second or five seconds have passed.
asio::awaitable<void> linger(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  char sink[16 * 1024];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    stream.expires_after(std::min(left, std::chrono::milliseconds(500)));
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
  }
}

// Bytes the client has sent that the socket has not yet handed over.
bool bytes_waiting(beast::tcp_stream& stream) {
  beast::error_code ec;
  return stream.socket().available(ec) > 0 && !ec;
}

}  // namespace

struct HttpServer::Connection {
  explicit Connection(beast::tcp_stream s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  // Written on the connection's own worker thread; read by the acceptor to pick one to shed.
  std::atomic<bool> idle{true};
  std::atomic<bool> shed{false};  // asked to close to make room for a new connection
  bool closed = false;
  // Bound to the connection coroutine's cancellation slot: an exchange cancels the work
  // of a client that left through it.
  asio::cancellation_signal cancel;
};

HttpServer::HttpServer(IoWorkers& workers, const RequestPipeline& pipeline,
                       const Config::Limits& limits, GatewayMetrics* metrics)
    : workers_(workers), pipeline_(pipeline), limits_(limits), metrics_(metrics) {}

void HttpServer::count(const char* event) {
  if (metrics_) metrics_->connection_events.add({event});
}

void HttpServer::listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  auto ep = resolve_listen_address(host, port);
  acceptor_ = std::make_unique<tcp::acceptor>(workers_.context(0));
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "listen on " + host + ":" + std::to_string(port));
  port_ = acceptor_->local_endpoint().port();
  const auto descriptors = descriptor_limit();
  max_connections_ = connection_cap(limits_.max_connections, descriptors);
  socket_budget_ = client_socket_budget(descriptors);
}

void HttpServer::start() {
  asio::co_spawn(workers_.context(0), accept_loop(), asio::detached);
}

asio::awaitable<void> HttpServer::accept_loop() {
  AcceptBackoff backoff;
  asio::steady_timer pause(acceptor_->get_executor());
  asio::steady_timer room(acceptor_->get_executor());
  room_ = &room;
  while (!draining_) {
    // Refused and shed connections hold their descriptors until they have closed; accepting
    // past the budget ran the process out of descriptors (EMFILE), for the store, upstream
    // and the sanitizers too, whose checks then failed (a pipe() they need). Once a newcomer
    // waits (the listening socket turns readable), an idle connection is asked to make room,
    // unless one is closing already, and the next connection to close wakes the loop; the
    // timeout is a safety net.
    if (at_socket_budget()) {
      count("at_socket_budget");
      co_await acceptor_->async_wait(tcp::acceptor::wait_read, kTuple);
      if (draining_) break;
      if (at_socket_budget()) {
        if (!closing_one()) shed_idle_connection();
        room.expires_after(std::chrono::seconds(1));
        co_await room.async_wait(kTuple);
      }
      continue;
    }
    std::size_t worker = workers_.next();
    beast::error_code ec;
    tcp::socket socket(workers_.context(worker));
    try {
      std::tie(ec, socket) =
          co_await acceptor_->async_accept(workers_.context(worker).get_executor(), kTuple);
    } catch (const boost::system::system_error& e) {
      ec = e.code();  // the loop must outlive whatever accept() runs into
    }
    if (ec) {
      if (ec == asio::error::operation_aborted || draining_) break;
      // Out of descriptors and the like: the connection waits in the backlog, and trying
      // again at once would fail again at once. Free a descriptor if an idle connection
      // holds one, and wait.
      count("accept_failed");
      shed_idle_connection();
      auto failure = backoff.failed(AcceptBackoff::Clock::now());
      if (failure.log) {
        log::warn("accept failed; pausing accepts",
                  {{"error", ec.message()},
                   {"failures", std::to_string(*failure.log)},
                   {"open_connections", std::to_string(open_connections())}});
      }
      pause.expires_after(failure.wait);
      co_await pause.async_wait(kTuple);
      continue;
    }
    backoff.succeeded();
    // At the cap, an idle keep-alive connection makes room; with none idle the newcomer
    // is told to come back (503) rather than left unanswered.
    bool over_capacity = connections_held() >= max_connections_ && !shed_idle_connection();
    if (over_capacity) count("over_capacity");
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(beast::tcp_stream(std::move(socket)));
    {
      std::lock_guard lock(mutex_);
      connections_.push_back(conn);
      if (metrics_) metrics_->connections.set({}, static_cast<double>(connections_.size()));
    }
    asio::co_spawn(
        workers_.context(worker), serve(conn, worker, over_capacity),
        asio::bind_cancellation_slot(conn->cancel.slot(), [this, conn](std::exception_ptr e) {
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              log::error("connection failed", {{"error", ex.what()}});
            }
          }
          std::lock_guard lock(mutex_);
          if (conn->shed) --shedding_;
          connections_.remove(conn);
          if (metrics_) {
            metrics_->connections.set({}, static_cast<double>(connections_.size()));
          }
          if (waiting_for_room_ && connections_.size() < socket_budget_) {
            waiting_for_room_ = false;
            asio::post(workers_.context(0), [this] {
              if (room_) room_->cancel();
            });
          }
          if (connections_.empty()) all_closed_.notify_all();
        }));
  }
  room_ = nullptr;
}

bool HttpServer::closing_one() const {
  std::lock_guard lock(mutex_);
  return shedding_ > 0;
}

bool HttpServer::at_socket_budget() {
  std::lock_guard lock(mutex_);
  waiting_for_room_ = connections_.size() >= socket_budget_;
  return waiting_for_room_;
}

bool HttpServer::shed_idle_connection() {
  std::lock_guard lock(mutex_);
  for (auto& conn : connections_) {  // oldest first
    if (!conn->idle || conn->shed) continue;
    conn->shed = true;
    ++shedding_;
    count("shed");
    asio::post(conn->stream.get_executor(), [this, conn] {
      if (conn->idle && !conn->closed) {
        // Its idle timeout may have closed the socket already: cancel() must not throw.
        beast::error_code ignored;
        conn->stream.socket().cancel(ignored);
        return;
      }
      std::lock_guard lock(mutex_);  // it took a request meanwhile: keep serving it
      if (conn->shed.exchange(false)) --shedding_;
    });
    return true;
  }
  return false;
}

std::size_t HttpServer::connections_held() const {
  std::lock_guard lock(mutex_);
  return connections_.size() - shedding_;
}

asio::awaitable<void> HttpServer::serve(std::shared_ptr<Connection> conn, std::size_t worker,
                                        bool over_capacity) {
  auto& stream = conn->stream;
  const RequestReader::Limits limits{limits_.max_header_bytes, limits_.max_body_bytes};
  beast::flat_buffer buffer(RequestReader::buffer_limit(limits));
  for (;;) {
    conn->idle = true;
    if (conn->closed) break;
    // Draining, a request the client already sent (pipelined behind the one that just
    // ended) is read and refused 503 below, so that the client knows it was not acted on;
    // with none waiting, the connection closes.
    if (draining_ && buffer.size() == 0 && !bytes_waiting(stream)) break;
    if (buffer.size() == 0) {
      // Waiting for the next request on a kept-alive connection.
      stream.expires_after(limits_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(buffer_room(buffer)), kTuple);
      if (ec) break;
      buffer.commit(n);
    }
    conn->idle = false;

    RequestReader reader(limits);
    RequestLog log;
    log.request_id = make_id("req_");
    Exchange ex(stream, buffer, reader.request(), log, worker, limits_.idle_timeout, &conn->cancel);
    if (draining_) ex.set_close();
    Router::Match match;
    if (!co_await read_request(ex, reader, buffer, match)) break;
    // A request that arrives while the gateway drains is refused, not started: only the
    // running ones may finish. The operations routes still answer (/readyz with 503).
    if (draining_ && !(match.route && match.route->access == Access::open)) {
      auto closing = overloaded("the gateway is shutting down; retry shortly");
      closing.retry_after_seconds = 1;
      co_await refuse(ex, closing);
      break;
    }
    if (over_capacity) {
      auto busy = overloaded("the gateway is serving its limit of " +
                             std::to_string(max_connections_) + " connections; retry shortly");
      busy.retry_after_seconds = 1;
      co_await refuse(ex, busy);
      break;
    }

    std::optional<ClientBody> body;
    if (reader.streamed()) {
      body.emplace(stream, buffer, reader, limits_.body_timeout);
      ex.set_streamed_body(&*body);
    }
    co_await pipeline_.run(ex, std::move(match));
    log.end = std::chrono::steady_clock::now();
    write_access_log(log);
    if (observer_) observer_(log);
    if (body && !body->complete()) {
      // The handler answered without taking the whole body (a 401 before an upload):
      // what is left of it cannot be told from a next request.
      if (!ex.client_left()) co_await linger(stream);
      break;
    }
    if (!ex.reusable() || ex.client_left() || !ex.request().keep_alive()) break;
  }
  conn->closed = true;
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // The connection stays registered until the client has what was written, so that a
  // drain (which waits for the registry to empty, within its grace) never ends the
  // process with the end of a slow reader's stream still in the kernel's queue. The
  // bound is the time a silent client keeps a connection anyway.
  co_await wait_until_acknowledged(stream.socket(),
                                   std::chrono::steady_clock::now() + limits_.idle_timeout);
  stream.close();
}

asio::awaitable<bool> HttpServer::read_request(Exchange& ex, RequestReader& reader,
                                               beast::flat_buffer& buffer, Router::Match& match) {
  auto& stream = ex.stream();
  // The whole header must arrive within header_timeout and the body within body_timeout:
  // slow clients are cut off. A timed-out or vanished client gets no answer: nobody is
  // there to read it.
  stream.expires_after(limits_.header_timeout);
  for (;;) {
    switch (reader.parse(buffer)) {
      case RequestReader::Step::complete:
        stream.expires_never();
        co_return true;
      case RequestReader::Step::refused:
        co_await refuse(ex, reader.refusal());
        co_return false;
      case RequestReader::Step::header_done: {
        auto& req = ex.request();
        ex.log().method = std::string(req.method_string());
        stream.expires_after(limits_.body_timeout);
        if (beast::iequals(req[http::field::expect], "100-continue")) {
          http::response<http::empty_body> cont{http::status::continue_, req.version()};
          auto [ec, n] = co_await http::async_write(stream, cont, kTuple);
          if (ec) co_return false;
        }
        match = pipeline_.route(ex);
        const bool form = match.route && takes_form(*match.route, req[http::field::content_type]);
        if (match.route && (match.route->body == Body::streamed || form)) {
          reader.stream_body(form);
          stream.expires_never();
          co_return true;
        }
        continue;
      }
      case RequestReader::Step::need_more:
        break;
    }
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(buffer_room(buffer)), kTuple);
    if (ec) co_return false;
    buffer.commit(n);
  }
}

asio::awaitable<void> HttpServer::refuse(Exchange& ex, const ApiError& error) {
  ex.set_close();
  co_await ex.respond_error(error);
  ex.log().end = std::chrono::steady_clock::now();
  write_access_log(ex.log());
  if (observer_) observer_(ex.log());
  co_await linger(ex.stream());
}

void HttpServer::begin_drain() {
  if (draining_.exchange(true)) return;
  if (acceptor_) {
    asio::post(acceptor_->get_executor(), [this] {
      beast::error_code ec;
      acceptor_->close(ec);
      if (room_) room_->cancel();
    });
  }
  std::lock_guard lock(mutex_);
  for (auto& conn : connections_) {
    asio::post(conn->stream.get_executor(), [conn] {
      // Its idle timeout may have closed the socket already: cancel() must not throw (an
      // exception here ended the process with std::terminate).
      beast::error_code ignored;
      if (conn->idle && !conn->closed) conn->stream.socket().cancel(ignored);
    });
  }
}

std::size_t HttpServer::open_connections() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

bool HttpServer::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return all_closed_.wait_for(lock, timeout, [this] { return connections_.empty(); });
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
