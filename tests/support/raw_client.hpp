#pragma once

// A bare TCP client for what HttpConnection cannot do: send a request and then close the
// socket at a moment the test chooses (once upstream has the request), or send bytes
// slowly. No reads block forever: read_all() waits at most a generous deadline.

#include "support/http_test_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace gw::test {

class RawClient {
 public:
  explicit RawClient(std::uint16_t port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void send(std::string_view bytes);
  // A whole HTTP/1.1 request with Host and Content-Length added.
  void post(std::string_view target, const Headers& headers, std::string_view body);
  // The bytes post() sends, for a test that sends several requests in one write.
  static std::string post_bytes(std::string_view target, const Headers& headers,
                                std::string_view body);
  // Everything the server sends until it closes the connection, or until `deadline`
  // (a guard against a hang, not a timing assertion). `closed` tells which.
  std::string read_all(bool& closed, std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // What arrives up to and including `marker` (the rest is kept for the next read); all
  // that came when the server closed first or `deadline` passed.
  std::string read_until(std::string_view marker,
                         std::chrono::milliseconds deadline = std::chrono::seconds(10));
  void close();

 private:
  // Reads until `done(received)` or the server closes; false when the deadline passed.
  bool read(const std::function<bool(const std::string&)>& done, bool& closed,
            std::chrono::milliseconds deadline);

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::string received_;  // read but not yet returned
};

}  // namespace gw::test
