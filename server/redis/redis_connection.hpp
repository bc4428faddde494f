#pragma once

#include "server/redis/redis_options.hpp"
#include "server/redis/redis_reply.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

struct redisReader;

namespace gw {

// One connection to Redis, used by one thread at a time (a blocking-pool thread: the
// calls block). Each call runs its I/O on a private io_context for at most the timeout
// (Asio's blocking-with-timeout pattern), so a Redis that stops answering costs a caller
// the timeout, never a hang. The RESP replies are parsed by hiredis's reader; the
// transport, plain or TLS, is Asio's. Any I/O error or timeout breaks the connection
// for good: the pool then opens a new one.
class RedisConnection {
 public:
  // Connects, and with TLS verifies the server's certificate for `options.host`; then
  // AUTH and SELECT. Throws RedisUnavailable. `tls` is required when options.tls.
  RedisConnection(const RedisOptions& options, boost::asio::ssl::context* tls);
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends the commands in one write and reads as many replies (error replies included:
  // they are answers). Throws RedisUnavailable, after which broken() is true.
  std::vector<RedisReply> run(const std::vector<RedisCommand>& commands,
                              std::chrono::milliseconds timeout);
  bool broken() const { return broken_; }

 private:
  using Clock = std::chrono::steady_clock;
  // Runs the io_context until `done` or the deadline; past it the socket is closed and
  // RedisUnavailable thrown.
  void wait(bool& done, Clock::time_point deadline, const char* what);
  [[noreturn]] void fail(const std::string& why);
  void take_replies(std::vector<RedisReply>& out, std::size_t want);
  template <class F>
  void with_stream(F&& f);

  std::string where_;  // host:port, for messages
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
  std::unique_ptr<boost::asio::ip::tcp::socket> plain_;
  // Freed even when the constructor throws (a destructor would not run then).
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader_;
  std::array<char, 16 * 1024> buffer_{};
  bool broken_ = false;
};

}  // namespace gw
