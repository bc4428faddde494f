#include "server/http/exchange.hpp"

#include "server/common/trim.hpp"
#include "server/http/client_body.hpp"
#include "server/http/error_response.hpp"
#include "server/http/wire_format.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <array>
#include <cerrno>

#include <sys/socket.h>

namespace gw {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// A chunk cut half way would corrupt the chunked framing for good, so chunk writes ignore
// cancellation (a `||` whose other branch finished); the write timeout still bounds them.
auto uncancellable() {
  return asio::bind_cancellation_slot(asio::cancellation_slot(), kTuple);
}

// Whether a comma-separated header value ("Accept-Encoding, Origin") names `item`.
bool list_has(std::string_view list, std::string_view item) {
  bool found = false;
  while (!list.empty() && !found) {
    const auto comma = list.find(',');
    const std::string_view entry = trim_ows(list.substr(0, comma));
    found = beast::iequals(entry, item) || entry == "*";
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return found;
}
}  // namespace

Exchange::Exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer, Request& request,
                   RequestLog& log, std::size_t worker, std::chrono::milliseconds write_timeout,
                   asio::cancellation_signal* cancel)
    : stream_(stream),
      buffer_(buffer),
      request_(request),
      log_(log),
      worker_(worker),
      write_timeout_(write_timeout),
      cancel_(cancel) {}

Exchange::~Exchange() {
  stop_watching();
}

std::string_view Exchange::param(std::string_view name) const {
  auto it = params_.find(name);
  return it == params_.end() ? std::string_view{} : std::string_view{it->second};
}

void Exchange::finish_head(http::fields& head, unsigned status, const RelayedHead* relayed) {
  if ((!relayed || !relayed->has_request_id) && head.find("request-id") == head.end()) {
    head.set("request-id", log_.request_id);
  }
  for (const auto& [name, value] : response_headers_) {
    const auto vary = head.find(http::field::vary);
    if (beast::iequals(name, "vary") && vary != head.end()) {
      if (!list_has(vary->value(), value))
        head.set(http::field::vary, std::string(vary->value()) + ", " + value);
    } else {
      head.set(name, value);
    }
  }
  log_.status = status;
  responded_ = true;
}

template <class Buffers, class Token>
asio::awaitable<beast::error_code> Exchange::write_bytes(const Buffers& buffers, Token token) {
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await asio::async_write(stream_, buffers, token);
  stream_.expires_never();
  if (ec) reusable_ = false;
  co_return ec;
}

asio::awaitable<void> Exchange::respond(StringResponse response, const RelayedHead* relayed) {
  finish_head(response.base(), response.result_int(), relayed);
  bool keep = request_.keep_alive() && !close_ && reusable_;
  response.keep_alive(keep);
  if (!keep) reusable_ = false;
  response.prepare_payload();
  const std::string head =
      wire_head(response.base(), relayed ? relayed->lines : std::string_view{});
  const std::array<asio::const_buffer, 2> message{asio::buffer(head),
                                                  asio::buffer(response.body())};
  co_await write_bytes(message, kTuple);
}

asio::awaitable<void> Exchange::respond_json(http::status status, std::string body) {
  StringResponse res{status, request_.version()};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(body);
  co_await respond(std::move(res));
}

asio::awaitable<void> Exchange::respond_error(const ApiError& error) {
  log_.error_type = error.type;
  co_await respond(error_response(error, log_.request_id, request_.version()));
}

asio::awaitable<beast::error_code> Exchange::begin_stream(http::response<http::empty_body> head,
                                                          const RelayedHead* relayed) {
  finish_head(head.base(), head.result_int(), relayed);
  streaming_ = true;
  bool keep = request_.keep_alive() && !close_;
  head.keep_alive(keep);
  if (!keep) reusable_ = false;
  head.chunked(true);
  const std::string bytes = wire_head(head.base(), relayed ? relayed->lines : std::string_view{});
  const auto buffer = asio::buffer(bytes);
  co_return co_await write_bytes(buffer, kTuple);
}

asio::awaitable<beast::error_code> Exchange::write_chunk(std::string_view data) {
  if (data.empty()) co_return beast::error_code{};
  const ChunkFrame frame(data.size());
  const auto buffers = frame.around(data);
  co_return co_await write_bytes(buffers, uncancellable());
}

asio::awaitable<beast::error_code> Exchange::end_stream() {
  const auto buffer = asio::buffer(kLastChunk);
  co_return co_await write_bytes(buffer, kTuple);
}

// The watch outlives the exchange when its wait is still queued: the wait's handler holds
// it, and finds `ex` null once the watch was stopped.
struct Exchange::Watch {
  explicit Watch(Exchange* e) : ex(e) {}
  Exchange* ex;
  asio::cancellation_signal stop;  // cancels the wait, not the work
};

void Exchange::watch_client() {
  // While a streamed body is still coming its reader owns the socket, and notices a
  // client that leaves.
  if (client_left_ || (streamed_body_ && !streamed_body_->complete())) return;
  // A request waits here for as long as upstream takes, and a thousand waiting ones kept
  // a thousand read buffers of 16 KB: an empty one is given back.
  if (buffer_.size() == 0) buffer_.shrink_to_fit();
  if (!watch_) watch_ = std::make_shared<Watch>(this);
  auto& watch = watch_;
  stream_.socket().async_wait(
      asio::socket_base::wait_read,
      asio::bind_cancellation_slot(watch->stop.slot(), [w = watch](beast::error_code ec) {
        if (w->ex) w->ex->on_readable(w, ec);
      }));
}

void Exchange::on_readable(const std::shared_ptr<Watch>& watch, beast::error_code ec) {
  if (ec == asio::error::operation_aborted) return;
  if (!ec) {
    // Readable: the end of the connection, or the start of a pipelined request, which
    // stays in the socket for the connection loop (and ends the watch: nothing more
    // can be learnt without reading it).
    char byte = 0;
    const auto n = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      watch_client();
      return;
    }
  }
  watch->ex = nullptr;
  client_left_ = true;
  reusable_ = false;
  if (gone_hook_) gone_hook_();
  if (cancel_) cancel_->emit(asio::cancellation_type::terminal);
}

bool Exchange::stop_watching() {
  if (watch_) {
    watch_->ex = nullptr;
    watch_->stop.emit(asio::cancellation_type::terminal);
    watch_.reset();
  }
  return client_left_;
}

asio::awaitable<bool> Exchange::unless_client_leaves(asio::awaitable<void> work) {
  std::exception_ptr failed;
  watch_client();
  try {
    co_await std::move(work);
  } catch (...) {
    failed = std::current_exception();
  }
  if (stop_watching()) {
    co_await asio::this_coro::reset_cancellation_state();
    co_return false;
  }
  if (failed) std::rethrow_exception(failed);
  co_return true;
}

}  // namespace gw
