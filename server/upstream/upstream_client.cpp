#include "server/upstream/upstream_client.hpp"

#include "server/http/wire_format.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>

namespace gw {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;

// Adds the time until it goes out of scope to a request's upstream wait.
class WaitClock {
 public:
  explicit WaitClock(std::chrono::steady_clock::duration* sink)
      : sink_(sink),
        start_(sink ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{}) {}
  ~WaitClock() {
    if (sink_) *sink_ += std::chrono::steady_clock::now() - start_;
  }
  WaitClock(const WaitClock&) = delete;
  WaitClock& operator=(const WaitClock&) = delete;

 private:
  std::chrono::steady_clock::duration* sink_;
  std::chrono::steady_clock::time_point start_;
};

bool is_stale_connection_error(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}
}  // namespace

UpstreamClient::UpstreamClient(asio::any_io_executor ex, const Config::Upstream& config,
                               UpstreamTarget target, asio::ssl::context* tls)
    : ex_(std::move(ex)),
      config_(config),
      target_(std::move(target)),
      tls_(tls),
      pool_(config.pool_max_idle, config.pool_idle_timeout) {}

UpstreamCall::~UpstreamCall() {
  if (conn_ && !aborted_ && !client_.closed() && parser_ && parser_->is_done() &&
      parser_->keep_alive()) {
    ++conn_->uses;
    client_.pool().put(std::move(conn_));
  } else if (conn_) {
    conn_->close();
  }
}

bool UpstreamCall::event_stream() const {
  auto ct = headers()[http::field::content_type];
  return ct.substr(0, 17) == "text/event-stream";
}

void UpstreamCall::abort() {
  aborted_ = true;
  if (conn_) conn_->close();
}

asio::awaitable<error_code> UpstreamCall::send(const UpstreamRequest& request) {
  const WaitClock clock(wait_sink_);
  bool reused = false;
  bool sent_nothing = false;
  auto ec = co_await attempt(request, reused, sent_nothing);
  // A kept-alive connection that the server closed while idle fails without a byte of
  // response; the request never reached the API, so one fresh attempt is safe.
  if (ec && reused && sent_nothing && !aborted_ && is_stale_connection_error(ec)) {
    ec = co_await attempt(request, reused, sent_nothing);
  }
  co_return ec;
}

asio::awaitable<error_code> UpstreamCall::attempt(const UpstreamRequest& request, bool& reused,
                                                  bool& sent_nothing) {
  if (conn_) conn_->close();
  conn_ = request.source ? nullptr : client_.pool().take();
  reused = conn_ != nullptr;
  sent_nothing = false;
  const auto& cfg = client_.config();
  if (!conn_) {
    error_code ec;
    conn_ = co_await UpstreamConnection::open(client_.executor(), client_.target(), client_.tls(),
                                              cfg.connect_timeout, ec);
    if (ec) co_return ec;
    if (aborted_) co_return error_code(asio::error::operation_aborted);
  }

  conn_->tcp().expires_after(cfg.response_timeout);
  error_code wec;
  if (request.source) {
    wec = co_await write_streamed(request);
  } else {
    http::request<http::empty_body> req{request.method, request.target, 11};
    if (request.method == http::verb::unknown) req.method_string(request.method_name);
    for (const auto& f : request.headers) req.insert(f.name_string(), f.value());
    req.set(http::field::host, client_.target().host_header);
    req.keep_alive(true);
    // As Beast's prepare_payload: a length for any body, and for the methods that carry
    // one even when empty; none on an empty GET.
    if (!request.body.empty() || request.method == http::verb::post ||
        request.method == http::verb::put || request.method == http::verb::patch) {
      req.content_length(request.body.size());
    }
    // Head and body in one buffer: as a sequence of two, a request through Beast's
    // ssl_stream whose body passed 16 KB was never finished (it hung until the response
    // timeout; SessionCacheTest's twentieth turn); the copy costs little beside TLS.
    std::string message = wire_head(req.base());
    message += request.body;
    wec = co_await conn_->visit([&](auto& s) -> asio::awaitable<error_code> {
      auto [e, n] = co_await asio::async_write(s, asio::buffer(message), kTuple);
      co_return e;
    });
  }
  if (wec) {
    sent_nothing = true;
    co_return wec;
  }
  parser_.emplace();
  body_error_ = {};
  parser_->header_limit(64 * 1024);
  parser_->body_limit(boost::none);
  auto hec = co_await conn_->visit([&](auto& s) -> asio::awaitable<error_code> {
    auto [e, n] = co_await http::async_read_header(s, conn_->buffer, *parser_, kTuple);
    co_return e;
  });
  if (hec) {
    sent_nothing = !parser_->got_some();
    co_return hec;
  }
  conn_->tcp().expires_never();
  co_return error_code{};
}

asio::awaitable<error_code> UpstreamCall::write_streamed(const UpstreamRequest& request) {
  http::request<http::empty_body> head{request.method, request.target, 11};
  if (request.method == http::verb::unknown) head.method_string(request.method_name);
  for (const auto& f : request.headers) head.insert(f.name_string(), f.value());
  head.set(http::field::host, client_.target().host_header);
  head.keep_alive(true);
  const auto length = request.source->length();
  if (length) {
    head.content_length(*length);
  } else {
    head.chunked(true);
  }
  const std::string head_bytes = wire_head(head.base());
  auto ec = co_await conn_->visit([&](auto& s) -> asio::awaitable<error_code> {
    auto [e, n] = co_await asio::async_write(s, asio::buffer(head_bytes), kTuple);
    co_return e;
  });
  std::string piece;
  while (!ec) {
    // A wait for the client is bounded by its own body timeout, not upstream's: upstream
    // gets the response timeout afresh for each piece it has to take.
    conn_->tcp().expires_never();
    if ((ec = co_await request.source->read(piece)) || piece.empty()) break;
    conn_->tcp().expires_after(client_.config().response_timeout);
    ec = co_await conn_->visit([&](auto& s) -> asio::awaitable<error_code> {
      if (length) {
        auto [e, n] = co_await asio::async_write(s, asio::buffer(piece), kTuple);
        co_return e;
      }
      auto [e, n] = co_await asio::async_write(s, http::make_chunk(asio::buffer(piece)), kTuple);
      co_return e;
    });
  }
  conn_->tcp().expires_after(client_.config().response_timeout);
  if (!ec && !length) {
    ec = co_await conn_->visit([&](auto& s) -> asio::awaitable<error_code> {
      auto [e, n] = co_await asio::async_write(s, asio::buffer(kLastChunk), kTuple);
      co_return e;
    });
  }
  co_return ec;
}

asio::awaitable<error_code> UpstreamCall::read_some(std::string& out) {
  out.clear();
  if (!conn_ || !parser_) co_return error_code(asio::error::not_connected);
  if (parser_->is_done()) co_return error_code(http::error::end_of_stream);
  if (body_error_) co_return body_error_;
  const WaitClock clock(wait_sink_);
  // The body lands in the call's own buffer, made once and never cleared: resizing `out`
  // to the chunk size zeroed 16 KB on every read (the largest single cost of a relayed
  // event, by instruction count), and a buffer in this coroutine's frame would be
  // allocated on every read.
  if (!read_buffer_) read_buffer_ = std::make_unique_for_overwrite<char[]>(kReadChunk);
  parser_->offer(read_buffer_.get(), kReadChunk);
  conn_->tcp().expires_after(client_.config().stream_idle_timeout);
  auto ec = co_await conn_->visit([&](auto& s) -> asio::awaitable<error_code> {
    auto [e, n] = co_await http::async_read_some(s, conn_->buffer, *parser_, kTuple);
    co_return e;
  });
  if (ec == http::error::need_buffer) ec = {};
  // Beast parses one chunk per read_some; parse the chunks already received too (without
  // waiting for more bytes), so that events that arrived together leave in one write.
  while (!ec && !parser_->is_done() && conn_->buffer.size() > 0 && parser_->room() > 0) {
    error_code pec;
    auto used = parser_->put(conn_->buffer.data(), pec);
    conn_->buffer.consume(used);
    if (pec == http::error::need_more || pec == http::error::need_buffer || used == 0) break;
    ec = pec;
  }
  out.assign(read_buffer_.get(), kReadChunk - parser_->room());
  parser_->offer(nullptr, 0);
  if (!ec) conn_->tcp().expires_never();
  if (ec && ec != http::error::end_of_stream) body_error_ = ec;
  co_return ec;
}

asio::awaitable<error_code> UpstreamCall::read_body(std::string& out, std::size_t limit) {
  out.clear();
  std::string piece;
  auto deadline = std::chrono::steady_clock::now() + client_.config().response_timeout;
  while (!done()) {
    auto ec = co_await read_some(piece);
    if (std::chrono::steady_clock::now() > deadline) co_return error_code(beast::error::timeout);
    if (ec == http::error::end_of_stream && done()) break;
    if (ec) co_return ec;
    out += piece;
    if (out.size() > limit) co_return error_code(http::error::body_limit);
  }
  co_return error_code{};
}

}  // namespace gw
