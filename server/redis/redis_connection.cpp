#include "server/redis/redis_connection.hpp"

#include "server/redis/redis_errors.hpp"

#include <hiredis/hiredis.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

namespace gw {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

RedisReply convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
      break;
    default:
      out.type = RedisReply::Type::nil;
  }
  return out;
}

// RESP's request form: an array of bulk strings.
void encode(const RedisCommand& command, std::string& out) {
  out += '*';
  out += std::to_string(command.size());
  out += "\r\n";
  for (const auto& arg : command) {
    out += '$';
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
}

}  // namespace

RedisConnection::RedisConnection(const RedisOptions& options, asio::ssl::context* tls)
    : where_(options.host + ":" + std::to_string(options.port)),
      reader_(redisReaderCreate(), &redisReaderFree) {
  if (!reader_) throw RedisUnavailable("redis: out of memory");
  const auto deadline = Clock::now() + options.timeout;
  if (options.tls) {
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(io_, *tls);
    // SNI, and the name the certificate must carry.
    if (!SSL_set_tlsext_host_name(tls_->native_handle(), options.host.c_str())) {
      fail("cannot set the TLS server name");
    }
    tls_->set_verify_mode(asio::ssl::verify_peer);
    tls_->set_verify_callback(asio::ssl::host_name_verification(options.host));
  } else {
    plain_ = std::make_unique<tcp::socket>(io_);
  }
  tcp::socket& socket = tls_ ? tls_->next_layer() : *plain_;

  boost::system::error_code ec;
  bool done = false;
  tcp::resolver resolver(io_);
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(options.host, std::to_string(options.port),
                         [&](boost::system::error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                           done = true;
                         });
  wait(done, deadline, "resolve");
  if (ec) fail("cannot resolve: " + ec.message());
  done = false;
  asio::async_connect(socket, endpoints, [&](boost::system::error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  wait(done, deadline, "connect");
  if (ec) fail("cannot connect: " + ec.message());
  socket.set_option(tcp::no_delay(true), ec);
  if (tls_) {
    done = false;
    tls_->async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code e) {
      ec = e;
      done = true;
    });
    wait(done, deadline, "TLS handshake");
    if (ec) fail("TLS handshake failed: " + ec.message());
  }

  std::vector<RedisCommand> hello;
  if (!options.password.empty()) {
    hello.push_back(options.user.empty() ? RedisCommand{"AUTH", options.password}
                                         : RedisCommand{"AUTH", options.user, options.password});
  }
  if (options.db != 0) hello.push_back({"SELECT", std::to_string(options.db)});
  if (hello.empty()) return;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  for (const auto& reply : run(hello, std::max(left, std::chrono::milliseconds(1)))) {
    // A refused AUTH is a configuration error, but it is also what a Redis restarting
    // with another password says: unavailable, and /readyz tells.
    if (reply.is_error()) fail("refused: " + reply.str);
  }
}

template <class F>
void RedisConnection::with_stream(F&& f) {
  if (tls_) {
    f(*tls_);
  } else {
    f(*plain_);
  }
}

void RedisConnection::wait(bool& done, Clock::time_point deadline, const char* what) {
  io_.restart();
  io_.run_until(deadline);
  if (done) return;
  // Cancel by closing, then let the handlers run so nothing refers to this frame later.
  boost::system::error_code ignored;
  (tls_ ? tls_->next_layer() : *plain_).close(ignored);
  io_.restart();
  io_.run();
  fail(std::string("no answer in time (") + what + ")");
}

void RedisConnection::fail(const std::string& why) {
  broken_ = true;
  throw RedisUnavailable("redis " + where_ + ": " + why);
}

void RedisConnection::take_replies(std::vector<RedisReply>& out, std::size_t want) {
  while (out.size() < want) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) fail("protocol error in a reply");
    if (!raw) return;
    auto* reply = static_cast<redisReply*>(raw);
    out.push_back(convert(*reply));
    freeReplyObject(reply);
  }
}

std::vector<RedisReply> RedisConnection::run(const std::vector<RedisCommand>& commands,
                                             std::chrono::milliseconds timeout) {
  if (broken_) fail("connection already broken");
  const auto deadline = Clock::now() + timeout;
  std::string payload;
  for (const auto& c : commands) encode(c, payload);

  boost::system::error_code ec;
  bool done = false;
  with_stream([&](auto& s) {
    asio::async_write(s, asio::buffer(payload), [&](boost::system::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
  });
  wait(done, deadline, "write");
  if (ec) fail("write failed: " + ec.message());

  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  take_replies(replies, commands.size());
  while (replies.size() < commands.size()) {
    done = false;
    std::size_t got = 0;
    with_stream([&](auto& s) {
      s.async_read_some(asio::buffer(buffer_), [&](boost::system::error_code e, std::size_t n) {
        ec = e;
        got = n;
        done = true;
      });
    });
    wait(done, deadline, "reply");
    if (ec) fail("read failed: " + ec.message());
    if (redisReaderFeed(reader_.get(), buffer_.data(), got) != REDIS_OK)
      fail("reader out of memory");
    take_replies(replies, commands.size());
  }
  return replies;
}

}  // namespace gw
