#pragma once

#include "server/common/io_workers.hpp"
#include "server/config/config.hpp"
#include "server/http/request_pipeline.hpp"
#include "server/http/request_reader.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <list>
#include <memory>
#include <mutex>

namespace gw {

struct GatewayMetrics;

// Accepts connections, spreads them over the workers and runs one coroutine per
// connection: read with limits, route, answer, keep alive. Also knows every open
// connection so that a drain can close the idle ones and wait for the busy ones.
class HttpServer {
 public:
  HttpServer(IoWorkers& workers, const RequestPipeline& pipeline, const Config::Limits& limits,
             GatewayMetrics* metrics = nullptr);

  // Binds and listens; throws std::system_error with a readable message on failure.
  void listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const { return port_; }
  // The most connections served at once (limits.max_connections, kept below the
  // descriptor limit); beyond it idle keep-alive connections are closed first.
  std::size_t max_connections() const { return max_connections_; }
  void start();

  // Stop accepting; idle keep-alive connections close now, busy ones after their
  // current response (which says `Connection: close`).
  void begin_drain();
  bool draining() const { return draining_; }
  std::size_t open_connections() const;
  // Blocks until every connection has closed, or `timeout` passed; true when none is left.
  // A connection ends once its client has acknowledged every byte written to it (the
  // kernel's send queue is empty), not when the last write returned. Woken by the last
  // connection to end, not by polling. Not from a worker thread.
  bool wait_closed(std::chrono::milliseconds timeout);
  // After the grace period: cut whatever is still open.
  void close_all();
  // After the workers stopped: drop the acceptor and the connection registry, so that
  // nothing outlives the workers' contexts.
  void release();

  // Sees every finished request's log entry (metrics); set before start().
  void on_request(std::function<void(const RequestLog&)> observer) {
    observer_ = std::move(observer);
  }

  struct Connection;  // registry entry, defined in the .cpp

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<Connection> conn, std::size_t worker,
                              bool over_capacity);
  // Reads the request under the header and body deadlines; false when the connection is
  // done: the client left or was too slow, or its request was refused (and answered).
  // A route that streams its body gets the header only: `match` says which route.
  asio::awaitable<bool> read_request(Exchange& ex, RequestReader& reader,
                                     beast::flat_buffer& buffer, Router::Match& match);
  // Answers a request that is refused before routing, then the connection closes.
  asio::awaitable<void> refuse(Exchange& ex, const ApiError& error);
  // Asks the oldest idle keep-alive connection to close; false when none is idle.
  bool shed_idle_connection();
  void count(const char* event);
  // Connections open and not already asked to close.
  std::size_t connections_held() const;
  // True when the client sockets open (refused and closing ones too) fill the descriptor
  // budget: the accept loop then waits for a newcomer, makes room and waits for it.
  bool at_socket_budget();
  // True while a connection asked to close has not yet gone.
  bool closing_one() const;

  IoWorkers& workers_;
  const RequestPipeline& pipeline_;
  Config::Limits limits_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  std::size_t max_connections_ = 0;
  std::size_t socket_budget_ = 0;
  // The accept loop's wait for a socket to close; touched on its own thread only.
  asio::steady_timer* room_ = nullptr;
  bool waiting_for_room_ = false;  // under mutex_
  std::atomic<bool> draining_{false};
  mutable std::mutex mutex_;
  std::condition_variable all_closed_;
  std::list<std::shared_ptr<Connection>> connections_;
  std::size_t shedding_ = 0;  // connections asked to close, not yet gone
  std::function<void(const RequestLog&)> observer_;
  GatewayMetrics* metrics_;
};

}  // namespace gw
