#include "fake/fake_connection.hpp"

#include "fake/control_routes.hpp"
#include "fake/resource_api.hpp"
#include "fake/server_state.hpp"
#include "fake/wire_rules.hpp"
#include "server/common/api_error.hpp"
#include "server/common/ids.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <type_traits>

namespace gw::fake {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Request = http::request<http::string_body>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 64 * 1024;
// Bytes a client may send while we are busy streaming (a pipelined request) before we
// stop watching the socket; the next request read picks them up from the buffer.
constexpr std::size_t kMaxReadAhead = 1024 * 1024;
constexpr auto kTlsShutdownGrace = std::chrono::milliseconds(500);
constexpr auto kDrainWindow = std::chrono::milliseconds(500);
constexpr std::size_t kMaxDrainBytes = 64 * 1024 * 1024;

// How a request left the connection.
enum class After {
  keep_alive,  // read the next request
  close,       // graceful close (TLS close_notify, TCP FIN)
  drop,        // close the socket at once, as a crashed upstream would
};

template <class Stream>
tcp::socket& lowest(Stream& s) {
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    return s;
  } else {
    return s.next_layer();
  }
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t record(ServerState& state, const Request& req, std::string_view rid) {
  RecordedRequest r;
  r.response_request_id = std::string(rid);
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  for (const auto& f : req) r.headers.emplace_back(f.name_string(), f.value());
  r.body = req.body().substr(0, RequestLog::kMaxBodyBytes);
  r.body_truncated = req.body().size() > RequestLog::kMaxBodyBytes;
  r.time_ms = epoch_ms();
  return state.log.record(std::move(r));
}

// Beast has no reason phrase for the non-standard 529.
void set_status(http::response_header<>& h, unsigned status) {
  h.result(status);
  if (status == 529) h.reason("Site is overloaded");
}

unsigned status_for_error_type(std::string_view type) {
  if (type == "invalid_request_error") return 400;
  if (type == "authentication_error") return 401;
  if (type == "permission_error") return 403;
  if (type == "not_found_error") return 404;
  if (type == "rate_limit_error") return 429;
  if (type == "timeout_error") return 504;
  if (type == "overloaded_error") return 529;
  return 500;
}

std::string sse_error_event(const Fault& f) {
  boost::json::object err;
  err["type"] = f.error_type.empty() ? "overloaded_error" : f.error_type;
  err["message"] = f.message.empty() ? "Overloaded" : f.message;
  boost::json::object body;
  body["type"] = "error";
  body["error"] = std::move(err);
  return "event: error\ndata: " + boost::json::serialize(body) + "\n\n";
}

Reply call_model(Route route, const Request& req, const RouteMatch& m, std::string_view rid,
                 const FakeSettings& settings, PromptCache& cache) {
  switch (route) {
    case Route::messages: {
      const std::string api_key = request_api_key(req);
      return create_message(req.body(), rid, settings, CacheScope{&cache, api_key});
    }
    case Route::count_tokens:
      return count_tokens(req.body(), rid, settings);
    case Route::list_models:
      return list_models(m.query, rid);
    case Route::get_model:
      return get_model(m.model_id, rid);
    default:
      return {404, error_body("not_found_error", "Not Found", rid)};
  }
}

template <class Stream>
class Session {
 public:
  Session(std::shared_ptr<ServerState> state, Stream& stream, std::uint64_t id)
      : state_(std::move(state)), stream_(stream), id_(id) {}

  asio::awaitable<After> run() {
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(state_->options.max_body_bytes);
      // Idle until a request starts: POST /_fake/close_idle may close us meanwhile.
      state_->connections.set_idle(id_, buffer_.size() == 0);
      auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, kTuple);
      state_->connections.set_idle(id_, false);
      if (ec == http::error::body_limit) co_return co_await reject_too_large(parser.get());
      if (ec == http::error::end_of_stream) co_return After::close;
      if (ec) co_return After::drop;
      After after = After::drop;
      try {
        after = co_await handle(parser.get());
      } catch (const std::exception&) {
        // A bug in the model must not take the whole fake down; the client sees a reset.
        after = After::drop;
      }
      if (after != After::keep_alive) co_return after;
    }
  }

 private:
  const ServerOptions& opts() const { return state_->options; }

  asio::awaitable<After> handle(Request& req) {
    std::string rid = make_id("req_");
    recorded_.reset();
    head_.clear();
    extra_headers_.clear();
    RouteMatch m = match_route(req.method(), req.target());
    if (m.route == Route::control) {
      ControlReply r = handle_control(*state_, req.method(), m.path, m.query, req.body(), rid);
      co_return co_await write_json(req, r.status, std::move(r.body), rid);
    }

    state_->stats.on_request();
    recorded_ = record(*state_, req, rid);
    if (m.route == Route::unknown) {
      co_return co_await write_error(req, 404, "not_found_error", "Not Found", rid);
    }
    if (!m.method_allowed) {
      co_return co_await write_error(req, 405, "invalid_request_error", "Method Not Allowed", rid);
    }
    if (m.route == Route::batches || m.route == Route::files || m.route == Route::agent_sessions) {
      co_return co_await answer_resource(req, m, rid);
    }
    switch (m.route) {
      case Route::messages:
        state_->stats.on_messages_request();
        break;
      case Route::count_tokens:
        state_->stats.on_count_tokens_request();
        break;
      default:
        state_->stats.on_models_request();
        break;
    }
    if (auto err = check_request_headers(req, opts().api_key)) {
      co_return co_await write_error(req, static_cast<unsigned>(err->status), err->type,
                                     err->message, rid);
    }

    std::optional<Fault> fault;
    if (m.route == Route::messages || m.route == Route::count_tokens) {
      fault = state_->faults.next();
    }
    if (fault) extra_headers_ = fault->headers;
    if (fault && fault->hold && !co_await hold()) {
      count_disconnect();
      co_return After::drop;
    }
    if (fault) {
      switch (fault->kind) {
        case FaultKind::status: {
          std::string type = fault->error_type.empty()
                                 ? std::string(error_type_for_status(fault->status))
                                 : fault->error_type;
          std::string msg =
              fault->message.empty() ? default_error_message(fault->status) : fault->message;
          co_return co_await write_json(req, fault->status, error_body(type, msg, rid), rid,
                                        &*fault);
        }
        case FaultKind::drop_before_response:
          co_return After::drop;
        case FaultKind::hang:
          co_await wait_for_close();
          count_disconnect();
          co_return After::drop;
        case FaultKind::garbage:
          co_return co_await write_json(
              req, 200, "<html><body><h1>502 Bad Gateway</h1></body></html>\n", rid);
        case FaultKind::body:
          co_return co_await write_json(req, fault->status, fault->body, rid, &*fault);
        default:
          break;
      }
    }

    Reply reply;
    try {
      reply = call_model(m.route, req, m, rid, opts().settings, state_->prompt_cache);
    } catch (const std::exception&) {
      reply = {500, error_body("api_error", "Internal server error", rid)};
    }
    if (reply.stream && reply.status == 200) {
      co_return co_await write_stream(req, reply, rid, fault ? &*fault : nullptr);
    }

    if (fault && fault->kind == FaultKind::drop_after_headers) {
      co_return co_await write_head_only(req, reply, rid);
    }
    if (fault && fault->kind == FaultKind::slow && fault->delay.count() > 0) {
      if (!co_await wait_watching(fault->delay)) {
        count_disconnect();
        co_return After::drop;
      }
    }
    if (fault && fault->kind == FaultKind::hold && !co_await hold()) {
      count_disconnect();
      co_return After::drop;
    }
    if (fault && fault->kind == FaultKind::drop_mid_stream) {
      co_return co_await write_truncated(req, reply, rid);
    }
    if (fault && fault->kind == FaultKind::stream_error) {
      // A JSON answer has no stream to break: the same failure arrives as its status.
      std::string type = fault->error_type.empty() ? "overloaded_error" : fault->error_type;
      std::string msg = fault->message.empty() ? "Overloaded" : fault->message;
      co_return co_await write_json(req, status_for_error_type(type), error_body(type, msg, rid),
                                    rid, &*fault);
    }
    co_return co_await write_json(req, reply.status, std::move(reply.body), rid);
  }

  // Batches, files and the sessions beta: authenticated like the rest, never faulted.
  asio::awaitable<After> answer_resource(const Request& req, const RouteMatch& m,
                                         std::string_view rid) {
    if (auto err = check_request_headers(req, opts().api_key)) {
      co_return co_await write_error(req, static_cast<unsigned>(err->status), err->type,
                                     err->message, rid);
    }
    std::string beta;
    for (const auto& f : req) {
      if (f.name_string().size() == 14 && beast::iequals(f.name_string(), "anthropic-beta")) {
        if (!beta.empty()) beta += ',';
        beta += f.value();
      }
    }
    ResourceRequest r{req.method(),
                      m.path,
                      m.query,
                      req.body(),
                      req[http::field::content_type],
                      beta,
                      (state_->tls ? "https://" : "http://") + std::string(req[http::field::host]),
                      rid};
    Reply reply;
    try {
      if (m.route == Route::batches) {
        reply = state_->batches.handle(r, opts().settings);
      } else if (m.route == Route::files) {
        reply = state_->files.handle(r);
      } else {
        reply = state_->agent_sessions.handle(r);
      }
    } catch (const std::exception&) {
      reply = {500, error_body("api_error", "Internal server error", rid)};
    }
    auto res = json_response(req, reply.status, std::move(reply.body), rid, nullptr);
    res.set(http::field::content_type, reply.content_type);
    note_response(reply.status, res.body());
    auto [ec, n] = co_await http::async_write(stream_, res, kTuple);
    if (ec) co_return After::drop;
    co_return res.keep_alive() ? After::keep_alive : After::close;
  }

  void add_error_headers(http::fields& h, unsigned status, const Fault* fault) {
    if (status < 300) return;
    bool retry = should_retry_status(status);
    if (fault && fault->should_retry) retry = *fault->should_retry;
    h.set("x-should-retry", retry ? "true" : "false");
    if (fault && fault->retry_after)
      h.set(http::field::retry_after, std::to_string(*fault->retry_after));
    if (fault && fault->retry_after_ms)
      h.set("retry-after-ms", std::to_string(*fault->retry_after_ms));
  }

  http::response<http::string_body> json_response(const Request& req, unsigned status,
                                                  std::string body, std::string_view rid,
                                                  const Fault* fault) {
    http::response<http::string_body> res;
    res.version(req.version());
    set_status(res.base(), status);
    add_common_headers(res.base(), rid);
    res.set(http::field::content_type, "application/json");
    add_error_headers(res.base(), status, fault);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    for (const auto& [name, value] : extra_headers_) res.set(name, value);
    remember_head(res.base());
    return res;
  }

  asio::awaitable<After> write_json(const Request& req, unsigned status, std::string body,
                                    std::string_view rid, const Fault* fault = nullptr) {
    auto res = json_response(req, status, std::move(body), rid, fault);
    note_response(status, res.body());
    auto [ec, n] = co_await http::async_write(stream_, res, kTuple);
    if (ec) co_return After::drop;
    co_return res.keep_alive() ? After::keep_alive : After::close;
  }

  asio::awaitable<After> write_error(const Request& req, unsigned status, std::string_view type,
                                     std::string_view message, std::string_view rid) {
    co_return co_await write_json(req, status, error_body(type, message, rid), rid);
  }

  // Headers with the full content-length, then half the body, then the socket closes.
  asio::awaitable<After> write_truncated(const Request& req, const Reply& reply,
                                         std::string_view rid) {
    auto res = json_response(req, reply.status, reply.body, rid, nullptr);
    res.body().resize(res.body().size() / 2);
    note_response(reply.status, res.body());
    co_await http::async_write(stream_, res, kTuple);
    co_return After::drop;
  }

  // The head with its content-length, then the socket closes before a byte of body.
  asio::awaitable<After> write_head_only(const Request& req, const Reply& reply,
                                         std::string_view rid) {
    auto res = json_response(req, reply.status, reply.body, rid, nullptr);
    note_response(reply.status, std::string());
    http::response_serializer<http::string_body> sr{res};
    co_await http::async_write_header(stream_, sr, kTuple);
    co_return After::drop;
  }

  asio::awaitable<After> write_stream(const Request& req, const Reply& reply, std::string_view rid,
                                      const Fault* fault) {
    http::response<http::empty_body> res{http::status::ok, req.version()};
    add_common_headers(res.base(), rid);
    res.set(http::field::content_type, "text/event-stream; charset=utf-8");
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(req.keep_alive() && !opts().close_after_stream);
    res.chunked(true);
    for (const auto& [name, value] : extra_headers_) res.set(name, value);
    remember_head(res.base());
    http::response_serializer<http::empty_body> sr{res};
    auto [hec, hn] = co_await http::async_write_header(stream_, sr, kTuple);
    if (hec) {
      count_disconnect();
      co_return After::drop;
    }

    state_->stats.on_stream_started();
    if (fault && fault->kind == FaultKind::drop_after_headers) {
      note_response(200, std::string());
      state_->stats.on_stream_ended(false);
      co_return After::drop;
    }
    const auto& events = reply.events;
    const bool breaks = fault && (fault->kind == FaultKind::drop_mid_stream ||
                                  fault->kind == FaultKind::stream_error);
    // The break never comes after message_stop: that would be a complete stream.
    const std::size_t cut =
        breaks ? std::min(fault->after_events, events.empty() ? 0 : events.size() - 1)
               : events.size();
    const auto delay = fault && fault->kind == FaultKind::slow ? fault->delay : opts().delta_delay;
    // A held stream stops before message_stop at the latest: the stream stays open.
    const std::size_t hold_at =
        fault && fault->kind == FaultKind::hold
            ? std::min(fault->after_events, events.empty() ? 0 : events.size() - 1)
            : events.size() + 1;

    std::string sent;  // for the request log
    for (std::size_t i = 0; i <= cut && i <= events.size(); ++i) {
      if (i == cut && breaks && fault->kind == FaultKind::drop_mid_stream) {
        note_response(200, sent);
        state_->stats.on_stream_ended(false);
        co_return After::drop;
      }
      if (i == events.size()) break;
      if (i == hold_at) note_response(200, sent);  // what the client may have seen so far
      if (i == hold_at && !co_await hold()) {
        count_disconnect();
        state_->stats.on_stream_ended(false);
        co_return After::drop;
      }
      if (i > 0 && delay.count() > 0 && !co_await wait_watching(delay)) {
        count_disconnect();
        state_->stats.on_stream_ended(false);
        co_return After::drop;
      }
      std::string error_event;
      if (i == cut && breaks) error_event = sse_error_event(*fault);
      const std::string& payload = breaks && i == cut ? error_event : events[i];
      if (recorded_) sent += payload;
      auto [ec, n] =
          co_await asio::async_write(stream_, http::make_chunk(asio::buffer(payload)), kTuple);
      if (ec) {
        count_disconnect();
        state_->stats.on_stream_ended(false);
        co_return After::drop;
      }
      if (breaks && i == cut) break;
    }
    note_response(200, sent);
    auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), kTuple);
    if (ec) {
      count_disconnect();
      state_->stats.on_stream_ended(false);
      co_return After::drop;
    }
    state_->stats.on_stream_ended(!breaks);
    co_return res.keep_alive() ? After::keep_alive : After::close;
  }

  // 413 with `connection: close`, then swallow what the client is still sending for a
  // moment so the close does not turn into a reset that destroys the answer in flight.
  asio::awaitable<After> reject_too_large(Request& req) {
    std::string rid = make_id("req_");
    state_->stats.on_request();
    recorded_ = record(*state_, req, rid);
    req.keep_alive(false);
    co_await write_json(req, 413, error_body("request_too_large", default_error_message(413), rid),
                        rid);
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      boost::system::error_code ignored;
      stream_.shutdown(tcp::socket::shutdown_send, ignored);
    }
    asio::steady_timer timer(co_await asio::this_coro::executor, kDrainWindow);
    std::size_t drained = 0;
    while (drained < kMaxDrainBytes) {
      buffer_.clear();
      auto r = co_await (timer.async_wait(kTuple) ||
                         stream_.async_read_some(buffer_.prepare(64 * 1024), kTuple));
      if (r.index() == 0) break;
      auto [ec, n] = std::get<1>(r);
      if (ec) break;
      drained += n;
    }
    co_return After::drop;
  }

  // Waits `d`, watching the socket meanwhile: false as soon as the client closes.
  asio::awaitable<bool> wait_watching(std::chrono::milliseconds d) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + d;
    for (;;) {
      timer.expires_at(deadline);
      if (buffer_.size() >= kMaxReadAhead) {
        co_await timer.async_wait(kTuple);
        co_return true;
      }
      auto r = co_await (timer.async_wait(kTuple) ||
                         stream_.async_read_some(buffer_.prepare(4096), kTuple));
      if (r.index() == 0) co_return true;
      auto [ec, n] = std::get<1>(r);
      if (ec) co_return false;
      buffer_.commit(n);  // a pipelined request: kept for the next read
    }
  }

  // Waits for a release through the HoldGate, watching the socket meanwhile: false as soon
  // as the client closes.
  asio::awaitable<bool> hold() {
    auto signal = state_->holds.enter(co_await asio::this_coro::executor);
    bool released = false;
    for (;;) {
      if (buffer_.size() >= kMaxReadAhead) {
        co_await signal->async_receive(kTuple);
        released = true;
        break;
      }
      auto r = co_await (signal->async_receive(kTuple) ||
                         stream_.async_read_some(buffer_.prepare(4096), kTuple));
      if (r.index() == 0) {
        released = true;
        break;
      }
      auto [ec, n] = std::get<1>(r);
      if (ec) break;
      buffer_.commit(n);  // a pipelined request: kept for the next read
    }
    state_->holds.leave(signal);
    co_return released;
  }

  // A hung upstream: reads and discards until the client (or stop()) closes.
  asio::awaitable<void> wait_for_close() {
    for (;;) {
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), kTuple);
      if (ec) co_return;
    }
  }

  // Before the final write, so a client that saw the answer also sees it logged.
  void note_response(unsigned status, const std::string& body) {
    if (recorded_) state_->log.set_response(*recorded_, status, body, head_);
  }

  // The response head, for the request log, so a test can compare what a client got with
  // what upstream sent (rate-limit headers, retry hints).
  void remember_head(const http::fields& h) {
    head_.clear();
    for (const auto& f : h) head_.emplace_back(f.name_string(), f.value());
  }

  void count_disconnect() {
    if (!state_->stopping.load()) state_->stats.on_client_disconnect();
  }

  std::shared_ptr<ServerState> state_;
  Stream& stream_;
  std::uint64_t id_;  // in the ConnectionRegistry
  beast::flat_buffer buffer_;
  std::optional<std::uint64_t> recorded_;                  // the current request's log entry
  std::vector<std::pair<std::string, std::string>> head_;  // its response head
  // Set on the current answer's head (a fault's `headers`).
  std::vector<std::pair<std::string, std::string>> extra_headers_;
};

// Keeps the connection in the registry for exactly the coroutine's lifetime.
class Registration {
 public:
  template <class Stream>
  Registration(ServerState& state, const std::shared_ptr<Stream>& stream) : state_(state) {
    std::weak_ptr<Stream> weak = stream;
    auto ex = lowest(*stream).get_executor();
    id_ = state.connections.add([weak, ex] {
      asio::post(ex, [weak] {
        if (auto s = weak.lock()) {
          boost::system::error_code ignored;
          lowest(*s).close(ignored);
        }
      });
    });
  }
  ~Registration() {
    if (id_) state_.connections.remove(*id_);
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  bool accepted() const { return id_.has_value(); }
  std::uint64_t id() const { return *id_; }

 private:
  ServerState& state_;
  std::optional<std::uint64_t> id_;
};

asio::awaitable<void> serve_plain(std::shared_ptr<ServerState> state, tcp::socket socket) {
  auto stream = std::make_shared<tcp::socket>(std::move(socket));
  Registration reg(*state, stream);
  if (!reg.accepted()) co_return;
  Session<tcp::socket> session(state, *stream, reg.id());
  After after = co_await session.run();
  boost::system::error_code ignored;
  if (after == After::close) stream->shutdown(tcp::socket::shutdown_send, ignored);
  stream->close(ignored);
}

asio::awaitable<void> serve_tls(std::shared_ptr<ServerState> state, tcp::socket socket) {
  using TlsStream = ssl::stream<tcp::socket>;
  auto stream = std::make_shared<TlsStream>(std::move(socket), *state->tls);
  Registration reg(*state, stream);
  if (!reg.accepted()) co_return;
  auto [hec] = co_await stream->async_handshake(ssl::stream_base::server, kTuple);
  if (!hec) {
    Session<TlsStream> session(state, *stream, reg.id());
    After after = co_await session.run();
    if (after == After::close) {
      asio::steady_timer timer(co_await asio::this_coro::executor, kTlsShutdownGrace);
      co_await (stream->async_shutdown(kTuple) || timer.async_wait(kTuple));
    }
  }
  boost::system::error_code ignored;
  stream->next_layer().close(ignored);
}

}  // namespace

asio::awaitable<void> serve_connection(std::shared_ptr<ServerState> state, tcp::socket socket) {
  if (state->tls) {
    co_await serve_tls(std::move(state), std::move(socket));
  } else {
    co_await serve_plain(std::move(state), std::move(socket));
  }
}

}  // namespace gw::fake
