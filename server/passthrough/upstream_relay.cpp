#include "server/passthrough/upstream_relay.hpp"

#include "server/common/json_input.hpp"
#include "server/common/log.hpp"
#include "server/sse/sse_parser.hpp"
#include "server/sse/sse_writer.hpp"
#include "server/upstream/header_rules.hpp"
#include "server/upstream/message_usage.hpp"
#include "server/upstream/upstream_errors.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/json.hpp>

namespace gw {

namespace {

using namespace boost::asio::experimental::awaitable_operators;

// What the reply said it used: gives the unused output reservation back to the queue.
struct Usage {
  std::uint64_t input = 0;
  std::uint64_t output = 0;
};

// message_start and message_delta carry usage; only they are parsed, and they are small.
void usage_from_event(const SseEvent& e, Usage& out) {
  if (e.event != "message_start" && e.event != "message_delta") return;
  boost::system::error_code ec;
  auto v = parse_upstream_json(e.data, ec);
  if (!ec && v.is_object()) read_event_usage(e.event, v.as_object(), out.input, out.output);
}

// Counts a stream as active for as long as it is relayed.
struct ActiveStream {
  MetricFamily& gauge;
  explicit ActiveStream(MetricFamily& g) : gauge(g) { gauge.add({}, 1); }
  ~ActiveStream() { gauge.add({}, -1); }
  ActiveStream(const ActiveStream&) = delete;
  ActiveStream& operator=(const ActiveStream&) = delete;
};

// A non-streaming Messages API reply is at most a few MB; this only guards memory.
constexpr std::size_t kMaxUpstreamBody = 64 * 1024 * 1024;

asio::awaitable<void> relay_stream(Exchange& ex, UpstreamCall& call, std::string prelude,
                                   MetricFamily& active, Usage& usage) {
  ActiveStream counted(active);
  http::response<http::empty_body> head{static_cast<http::status>(call.status()), 11};
  copy_relayed_headers(call.headers(), head.base());
  if (auto ec = co_await ex.begin_stream(std::move(head))) co_return;

  SseParser parser;
  std::vector<SseEvent> events;
  std::string piece = std::move(prelude);
  std::string batch;
  bool ended = false;  // message_stop or error seen: the stream is complete as upstream meant
  boost::system::error_code ec;
  for (bool first = true;; first = false) {
    if (!first || piece.empty()) ec = co_await call.read_some(piece);
    if (!piece.empty()) {
      parser.feed(piece, events);
      // Everything complete in this read goes out in one write: as soon as it arrived,
      // without a syscall per event.
      batch.clear();
      for (auto& e : events) {
        if (e.event == "message_stop" || e.event == "error") ended = true;
        usage_from_event(e, usage);
        batch += e.raw;
      }
      events.clear();
      if (auto wec = co_await ex.write_chunk(batch)) {
        call.abort();
        co_return;
      }
    }
    if (ec || parser.overflowed()) break;
  }
  if (ec == http::error::end_of_stream) ec = {};
  if (!ended && !ex.client_left()) {
    // Upstream failed mid-stream: say so in-band rather than end silently, which a client
    // could take for a complete answer.
    std::string why = parser.overflowed() ? "upstream sent an oversized event"
                      : ec                ? "upstream stream failed: " + ec.message()
                                          : "upstream stream ended before message_stop";
    log::warn("upstream stream broken", {{"request_id", ex.request_id()}, {"error", why}});
    ex.log().error_type = "api_error";
    co_await ex.write_chunk(sse_event("error", error_body("api_error", why, ex.request_id())));
    ex.set_close();
  }
  if (ec) call.abort();
  if (!ex.client_left()) co_await ex.end_stream();
}

asio::awaitable<void> relay(Exchange& ex, UpstreamCall& call, UpstreamDispatcher& dispatcher,
                            const UpstreamRequest& request, const DispatchInfo& info,
                            AdmissionTicket& ticket, Usage& usage) {
  auto sent = co_await dispatcher.send(call, request, info, ex.log());
  ticket = std::move(sent.ticket);
  if (sent.error) {
    if (!ex.client_left()) co_await ex.respond_error(*sent.error);
    co_return;
  }
  if (call.status() == 200 && call.event_stream()) {
    co_await relay_stream(ex, call, std::move(sent.stream_prelude),
                          dispatcher.metrics().active_streams, usage);
    co_return;
  }
  std::string body;
  if (sent.body) {
    body = std::move(*sent.body);
  } else if (auto ec = co_await call.read_body(body, kMaxUpstreamBody)) {
    if (ex.client_left()) co_return;
    co_await ex.respond_error(upstream_transport_error(ec));
    co_return;
  }
  StringResponse res{static_cast<http::status>(call.status()), ex.request().version()};
  copy_relayed_headers(call.headers(), res.base());
  if (call.status() >= 400) ex.log().error_type = "upstream_" + std::to_string(call.status());
  if (call.status() == 200) {
    boost::system::error_code jec;
    auto v = parse_upstream_json(body, jec);
    if (!jec && v.is_object()) {
      read_usage(v.as_object().if_contains("usage"), usage.input, usage.output);
    }
  }
  res.body() = std::move(body);
  co_await ex.respond(std::move(res));
}

}  // namespace

asio::awaitable<void> relay_upstream(Exchange& ex, UpstreamClient& client,
                                     UpstreamDispatcher& dispatcher, const UpstreamRequest& request,
                                     const DispatchInfo& info) {
  UpstreamCall call(client);
  ex.on_client_gone([&call] { call.abort(); });
  Usage usage;
  AdmissionTicket ticket;  // outlives relay(), which a client that left cuts short
  co_await (relay(ex, call, dispatcher, request, info, ticket, usage) || ex.client_gone());
  ticket.settle(usage.output, usage.input);
  ex.on_client_gone(nullptr);
  if (ex.client_left()) {
    log::info("client left; upstream call cancelled", {{"request_id", ex.request_id()}});
  }
}

}  // namespace gw
