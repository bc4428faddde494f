#pragma once

#include "server/common/body_source.hpp"
#include "server/config/config.hpp"
#include "server/upstream/connection_pool.hpp"
#include "server/upstream/upstream_parser.hpp"
#include "server/upstream/upstream_target.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace gw {

// A non-streaming Messages API reply is at most a few MB; this only guards memory.
inline constexpr std::size_t kMaxUpstreamBody = 64 * 1024 * 1024;

struct UpstreamRequest {
  boost::beast::http::verb method = boost::beast::http::verb::post;
  std::string method_name;  // for a method Beast does not know (verb::unknown)
  std::string target;       // path and query, e.g. "/v1/messages"
  boost::beast::http::fields headers;
  std::string body;
  // Instead of `body`: a body passed on as it arrives. It can be sent once only, so it
  // goes on a new connection (a pooled one may turn out stale after the body is spent).
  BodySource* source = nullptr;
};

// The upstream side of one worker: target, TLS context and keep-alive pool. Lives on
// its worker's thread only.
class UpstreamClient {
 public:
  UpstreamClient(boost::asio::any_io_executor ex, const Config::Upstream& config,
                 UpstreamTarget target, boost::asio::ssl::context* tls);

  const UpstreamTarget& target() const { return target_; }
  const Config::Upstream& config() const { return config_; }
  ConnectionPool& pool() { return pool_; }
  boost::asio::any_io_executor executor() const { return ex_; }
  boost::asio::ssl::context* tls() const { return tls_; }
  // Shutdown: close the idle connections and keep no more.
  void close() {
    closed_ = true;
    pool_.clear();
  }
  bool closed() const { return closed_; }

 private:
  boost::asio::any_io_executor ex_;
  Config::Upstream config_;
  UpstreamTarget target_;
  boost::asio::ssl::context* tls_;
  ConnectionPool pool_;
  bool closed_ = false;
};

// One request/response exchange with upstream. The connection goes back to the pool
// only when the response was read to its end and both sides keep alive.
class UpstreamCall {
 public:
  explicit UpstreamCall(UpstreamClient& client) : client_(client) {}
  ~UpstreamCall();
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  // Connects or reuses a pooled connection, writes the request, reads the response
  // header. A pooled connection that turns out stale is replaced once, transparently.
  boost::asio::awaitable<boost::system::error_code> send(const UpstreamRequest& request);

  unsigned status() const { return parser_->status(); }
  const UpstreamHeaders& headers() const { return parser_->headers(); }
  bool event_stream() const;

  // The whole body, up to `limit` bytes.
  boost::asio::awaitable<boost::system::error_code> read_body(std::string& out, std::size_t limit);
  // The next piece of the body into `out` (replacing it). `http::error::end_of_stream`
  // once the body is complete; `stream_idle_timeout` bounds each wait. After a failure
  // (upstream closed mid-body, say) every further read fails the same way at once: the
  // socket is not read again, where a second wait would last the whole idle timeout.
  boost::asio::awaitable<boost::system::error_code> read_some(std::string& out);
  bool done() const { return parser_ && parser_->is_done(); }

  // From now on, the time spent in send() and read_some() is added to `sink`: the
  // request's wait on upstream, which its overhead figure leaves out.
  void count_waits_in(std::chrono::steady_clock::duration& sink) { wait_sink_ = &sink; }

  // Closes the connection now: a pending read or write fails at once. For a client that
  // left, and for shutdown.
  void abort();
  bool aborted() const { return aborted_; }

 private:
  boost::asio::awaitable<boost::system::error_code> attempt(const UpstreamRequest& request,
                                                            bool& reused, bool& sent_nothing);
  boost::asio::awaitable<boost::system::error_code> write_streamed(const UpstreamRequest& request);

  UpstreamClient& client_;
  std::unique_ptr<UpstreamConnection> conn_;
  std::optional<UpstreamParser> parser_;
  boost::system::error_code body_error_;  // the read that failed, for the next ones
  std::unique_ptr<char[]> read_buffer_;   // read_some's landing place, made on first use
  bool aborted_ = false;
  std::chrono::steady_clock::duration* wait_sink_ = nullptr;
};

}  // namespace gw
