#pragma once

// A small synchronous HTTP/1.1 client (plain or TLS) for tests against the fake and the
// gateway. Each call runs Beast's async operations on a private io_context, so timeouts
// work and nothing blocks forever. Transport failures are reported in `error`, never
// thrown.

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientOptions {
  // https only. Empty: no verification. Set: verify the chain against this PEM file and
  // the certificate's name against the URL's host (SNI sent for DNS names).
  std::string ca_file;
  std::chrono::milliseconds timeout{30000};  // per operation (connect, write, each read)
};

struct HttpResult {
  boost::system::error_code error;  // connect, TLS, write or read failure; partial data kept
  unsigned status = 0;              // 0 when no response header arrived
  std::string reason;
  Headers headers;                  // as received, in order
  std::string body;                 // decoded (chunk framing removed), possibly partial
  bool chunked = false;             // transfer-encoding: chunked
  std::vector<std::string> chunks;  // chunked: each chunk's payload, in order
  bool complete = false;            // the body ended properly (length reached, last chunk)
  bool keep_alive = false;          // the server will keep the connection open

  // First value of a header (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  std::size_t header_count(std::string_view name) const;
};

// Sees each chunk's payload as it completes; return false to close the connection at once
// (a client going away mid-stream).
using ChunkCallback = std::function<bool(std::string_view chunk)>;

// One connection that can carry several requests (keep-alive).
class HttpConnection {
 public:
  // base_url: "http://127.0.0.1:8080" or "https://localhost:8443"; a path is ignored.
  explicit HttpConnection(std::string_view base_url, ClientOptions options = {});
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Connects on first use. `target` is the path and query. Host and content-length are
  // added unless `headers` has them.
  HttpResult request(std::string_view method, std::string_view target, const Headers& headers = {},
                     std::string_view body = {}, const ChunkCallback& on_chunk = {});
  // False once the connection was closed by either side (including a server that said
  // `connection: close`).
  bool is_open() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection, closed afterwards.
HttpResult http_request(std::string_view method, std::string_view url, const Headers& headers = {},
                        std::string_view body = {}, const ClientOptions& options = {});
// The same, streaming: `on_chunk` sees chunks as they arrive; result.chunks and
// result.body hold everything received, also when the server dropped the connection.
HttpResult http_stream(std::string_view method, std::string_view url, const Headers& headers,
                       std::string_view body, const ClientOptions& options,
                       const ChunkCallback& on_chunk);

// The headers the upstream requires: anthropic-version 2023-06-01, x-api-key, and
// content-type: application/json.
Headers api_headers(std::string_view api_key = "test-key");

}  // namespace gw::test
