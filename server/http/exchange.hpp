#pragma once

#include "server/common/api_error.hpp"
#include "server/http/caller.hpp"
#include "server/http/http_types.hpp"
#include "server/http/relayed_head.hpp"
#include "server/http/request_log.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gw {

class ClientBody;

// One request and the means to answer it, handed to a route handler. Owns nothing: the
// connection coroutine owns the stream and buffers and outlives the exchange.
class Exchange {
 public:
  // `cancel`: the signal bound to the connection coroutine's cancellation slot.
  Exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer, Request& request, RequestLog& log,
           std::size_t worker, std::chrono::milliseconds write_timeout,
           asio::cancellation_signal* cancel);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  Request& request() { return request_; }
  const Request& request() const { return request_; }
  RequestLog& log() { return log_; }
  const std::string& request_id() const { return log_.request_id; }
  std::size_t worker() const { return worker_; }
  // Who sent the request: set once by the request pipeline before the handler runs.
  const Caller& caller() const { return caller_; }
  void set_caller(Caller caller) { caller_ = std::move(caller); }
  beast::tcp_stream& stream() { return stream_; }
  // The body of a route declared Body::streamed, to read as it arrives; null otherwise.
  ClientBody* streamed_body() { return streamed_body_; }
  void set_streamed_body(ClientBody* body) { streamed_body_ = body; }
  // A header every response to this request carries, whoever writes it (a handler, an
  // error, a stream, a refusal): the pipeline's header stages (CORS) put theirs here. A
  // Vary value is added to the response's own Vary list.
  void add_response_header(std::string name, std::string value) {
    response_headers_.emplace_back(std::move(name), std::move(value));
  }
  // Path parameters from the route pattern, e.g. "id" for /v1/models/{id}.
  std::map<std::string, std::string, std::less<>>& params() { return params_; }
  std::string_view param(std::string_view name) const;

  // Whole responses. A request-id header is added when absent.
  // `relayed`: upstream's fields to add as they are (pass-through).
  asio::awaitable<void> respond(StringResponse response, const RelayedHead* relayed = nullptr);
  asio::awaitable<void> respond_json(http::status status, std::string body);
  asio::awaitable<void> respond_error(const ApiError& error);

  // Chunked responses, written as the data arrives.
  asio::awaitable<beast::error_code> begin_stream(http::response<http::empty_body> head,
                                                  const RelayedHead* relayed = nullptr);
  asio::awaitable<beast::error_code> write_chunk(std::string_view data);
  asio::awaitable<beast::error_code> end_stream();

  // Runs `work` while watching the client's connection. A client that closes it cancels
  // whatever `work` waits on (terminal cancellation through the connection coroutine's
  // slot, so `work` ends at once); the result is then empty and client_left() true.
  // `on_client_gone` runs first, for I/O that cannot be cancelled through a slot.
  // The watch is one wait for readability on the socket beside the work: no coroutine,
  // no read. Racing `work` against a second coroutine with `||` cost a tenth of a small
  // pass-through request's instructions (callgrind).
  template <class T>
  asio::awaitable<std::optional<T>> unless_client_leaves(asio::awaitable<T> work);
  // False when the client left.
  asio::awaitable<bool> unless_client_leaves(asio::awaitable<void> work);
  void on_client_gone(std::function<void()> hook) { gone_hook_ = std::move(hook); }
  bool client_left() const { return client_left_; }

  bool responded() const { return responded_; }
  bool streaming() const { return streaming_; }
  // False once a write failed or the response demands the connection be closed.
  bool reusable() const { return reusable_; }
  // The connection ends after this response (after the current one, if it has begun).
  void set_close() {
    close_ = true;
    if (responded_) reusable_ = false;
  }

 private:
  // Bytes of the response, under the write timeout.
  template <class Buffers, class Token>
  asio::awaitable<beast::error_code> write_bytes(const Buffers& buffers, Token token);
  void finish_head(http::fields& head, unsigned status, const RelayedHead* relayed);
  struct Watch;
  void watch_client();
  void on_readable(const std::shared_ptr<Watch>& watch, beast::error_code ec);
  // Ends the watch; true when the client left, whose cancellation the caller then clears.
  bool stop_watching();

  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  Request& request_;
  RequestLog& log_;
  std::size_t worker_;
  std::chrono::milliseconds write_timeout_;
  Caller caller_;
  ClientBody* streamed_body_ = nullptr;
  std::map<std::string, std::string, std::less<>> params_;
  std::vector<std::pair<std::string, std::string>> response_headers_;
  std::function<void()> gone_hook_;
  asio::cancellation_signal* cancel_;
  std::shared_ptr<Watch> watch_;
  bool responded_ = false;
  bool streaming_ = false;
  bool reusable_ = true;
  bool close_ = false;
  bool client_left_ = false;
};

template <class T>
asio::awaitable<std::optional<T>> Exchange::unless_client_leaves(asio::awaitable<T> work) {
  std::optional<T> out;
  std::exception_ptr failed;
  watch_client();
  try {
    T value = co_await std::move(work);
    out.emplace(std::move(value));
  } catch (...) {
    // A cancelled `work` ends in an exception (operation_aborted) at its next co_await.
    failed = std::current_exception();
  }
  if (stop_watching()) {
    // The connection's coroutine goes on (to log the request and close): its later
    // co_awaits must not throw for a cancellation that did its job.
    co_await asio::this_coro::reset_cancellation_state();
    co_return std::nullopt;
  }
  if (failed) std::rethrow_exception(failed);
  co_return out;
}

}  // namespace gw
