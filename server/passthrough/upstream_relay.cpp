#include "server/passthrough/upstream_relay.hpp"

#include "server/common/json_input.hpp"
#include "server/common/log.hpp"
#include "server/sse/sse_writer.hpp"
#include "server/upstream/event_relay.hpp"
#include "server/upstream/header_rules.hpp"
#include "server/upstream/message_usage.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/json.hpp>

namespace gw {

namespace {

// Counts a stream as active for as long as it is relayed.
struct ActiveStream {
  MetricFamily& gauge;
  explicit ActiveStream(MetricFamily& g) : gauge(g) { gauge.add({}, 1); }
  ~ActiveStream() { gauge.add({}, -1); }
  ActiveStream(const ActiveStream&) = delete;
  ActiveStream& operator=(const ActiveStream&) = delete;
};

// Writes upstream's events through as they came, byte for byte: everything one read
// brought in one chunk, as soon as it arrived, without a syscall per event.
class PassthroughSink : public EventSink {
 public:
  PassthroughSink(Exchange& ex, TokenUsage& usage) : ex_(ex), usage_(usage) {}

  asio::awaitable<bool> deliver(std::vector<SseEvent>& batch) override {
    chunk_.clear();
    for (const auto& e : batch) {
      count_usage(e);
      chunk_ += e.raw;
    }
    co_return !(co_await ex_.write_chunk(chunk_));
  }

 private:
  // message_start and message_delta carry usage; only they are parsed, and they are small.
  void count_usage(const SseEvent& e) {
    if (e.event != "message_start" && e.event != "message_delta") return;
    unsigned char buffer[2048];
    boost::json::monotonic_resource memory(buffer);
    boost::system::error_code ec;
    auto v = parse_upstream_json(e.data, ec, &memory);
    if (!ec && v.is_object()) read_event_usage(e.event, v.as_object(), usage_);
  }

  Exchange& ex_;
  TokenUsage& usage_;
  std::string chunk_;
};

asio::awaitable<void> relay_stream(Exchange& ex, UpstreamCall& call, UpstreamEvents& events,
                                   MetricFamily& active, TokenUsage& usage) {
  ActiveStream counted(active);
  http::response<http::empty_body> head{static_cast<http::status>(call.status()), 11};
  const RelayedHead relayed = relayed_head(call.headers(), call.status());
  if (auto ec = co_await ex.begin_stream(std::move(head), &relayed)) co_return;
  PassthroughSink sink(ex, usage);
  auto end = co_await relay_events(call, events, sink);
  if (end.how == RelayEnd::How::consumer_gone || ex.client_left()) co_return;
  if (end.how == RelayEnd::How::broken) {
    // Say so in-band rather than end silently, which a client could take for a complete
    // answer.
    log::warn("upstream stream broken", {{"request_id", ex.request_id()}, {"error", end.why}});
    ex.log().error_type = "api_error";
    co_await ex.write_chunk(sse_event("error", error_body("api_error", end.why, ex.request_id())));
    ex.set_close();
  }
  co_await ex.end_stream();
}

// A body of any size (a file download) passed on piece by piece as it arrives.
asio::awaitable<void> relay_body(Exchange& ex, UpstreamCall& call) {
  http::response<http::empty_body> head{static_cast<http::status>(call.status()), 11};
  const RelayedHead relayed = relayed_head(call.headers(), call.status());
  if (call.status() >= 400) ex.log().error_type = "upstream_" + std::to_string(call.status());
  if (auto ec = co_await ex.begin_stream(std::move(head), &relayed)) co_return;
  std::string piece;
  for (;;) {
    auto ec = co_await call.read_some(piece);
    if (!piece.empty() && co_await ex.write_chunk(piece)) {
      call.abort();
      co_return;
    }
    if (ec == http::error::end_of_stream) break;
    if (ec) {
      // Cut off: no last chunk, so the client sees a truncated body, never a short one
      // that looks whole.
      log::warn("upstream body broken", {{"request_id", ex.request_id()}, {"error", ec.message()}});
      call.abort();
      ex.set_close();
      co_return;
    }
  }
  co_await ex.end_stream();
}

asio::awaitable<Outcome> relay(Exchange& ex, UpstreamCall& call, UpstreamDispatcher& dispatcher,
                               const UpstreamRequest& request, const DispatchInfo& info,
                               AdmissionTicket& ticket, TokenUsage& usage) {
  auto sent = co_await dispatcher.send(call, request, info, ex.log());
  ticket = std::move(sent.ticket);
  if (sent.error) co_return *sent.error;
  if (sent.events) {
    co_await relay_stream(ex, call, *sent.events, dispatcher.metrics().active_streams, usage);
    co_return Outcome::answered();
  }
  if (!sent.body) {
    co_await relay_body(ex, call);
    co_return Outcome::answered();
  }
  std::string body = std::move(*sent.body);
  StringResponse res{static_cast<http::status>(call.status()), ex.request().version()};
  if (call.status() >= 400) ex.log().error_type = "upstream_" + std::to_string(call.status());
  usage = sent.usage;
  res.body() = std::move(body);
  Outcome::Relayed relayed{std::move(res), relayed_head(call.headers(), call.status())};
  co_return Outcome(std::move(relayed));
}

}  // namespace

asio::awaitable<Outcome> relay_upstream(Exchange& ex, UpstreamClient& client,
                                        UpstreamDispatcher& dispatcher,
                                        const UpstreamRequest& request, const DispatchInfo& info) {
  UpstreamCall call(client);
  ex.on_client_gone([&call] { call.abort(); });
  TokenUsage usage;
  AdmissionTicket ticket;  // outlives relay(), which a client that left cuts short
  auto done =
      co_await ex.unless_client_leaves(relay(ex, call, dispatcher, request, info, ticket, usage));
  ticket.settle(usage);
  ex.on_client_gone(nullptr);
  if (done) co_return std::move(*done);
  log::info("client left; upstream call cancelled", {{"request_id", ex.request_id()}});
  co_return Outcome::answered();
}

}  // namespace gw
