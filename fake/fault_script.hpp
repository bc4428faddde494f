#pragma once

// Scripted failures for the fake's /v1/messages and /v1/messages/count_tokens routes, so
// tests can make "upstream" misbehave in a chosen order. Thread-safe: faults are scripted
// from a test thread (or POST /_fake/faults) while I/O threads consume them.
//
// JSON form, one object per fault (POST /_fake/faults {"faults":[...]}):
//   {"kind":"status", "status":429, "retry_after":1, "retry_after_ms":250,
//    "should_retry":false, "error_type":"rate_limit_error", "message":"...",
//    "count":2}
//   {"kind":"drop_before_response"}
//   {"kind":"drop_after_headers"}
//   {"kind":"drop_mid_stream", "after_events":3}
//   {"kind":"stream_error", "after_events":3, "error_type":"overloaded_error",
//    "message":"Overloaded"}
//   {"kind":"slow", "delay_ms":200}
//   {"kind":"hang"}
//   {"kind":"garbage"}
//   {"kind":"body", "status":200, "body":"{...}"}   (that exact JSON body, as a reply)
//   {"kind":"hold", "after_events":1}   (held until POST /_fake/release; see hold_gate.hpp)
//   {"kind":"headers", "headers":{"anthropic-ratelimit-requests-remaining":"0"}}
//                                        (the real reply, with these headers set on it)
// Any fault may carry "headers": set on whatever response head the fault leads to.
// Any fault also takes "hold": true: the request is held (as by the `hold` kind) before
// the fault applies, so that a test can line several requests up and let them go at once.
// Every fault takes either "count" (the next N matching requests, default 1) or
// "for_ms": the fault applies to every request until for_ms milliseconds after the FIRST
// request it hit (the window opens on first use, not when scripted, so a test's set-up
// time does not eat into it). Faults apply in FIFO order: the front fault is used up
// before the next one starts.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::fake {

enum class FaultKind {
  status,                // answer an error status instead of the real reply
  drop_before_response,  // read the request, close the socket without a byte
  drop_after_headers,    // send the 200 head (a stream's, or a JSON answer's with its
                         // content-length), then close before a byte of body
  drop_mid_stream,       // send after_events SSE events, then close (no message_stop)
  stream_error,          // send after_events events, then an `event: error`, end the stream
  slow,                  // delay_ms between SSE events, or before a JSON answer
  hang,                  // never answer; wait for the client to close
  garbage,               // 200 with a body that is not JSON
  body,                  // `status` with the scripted `body` (application/json)
  headers,               // the real reply, with the fault's `headers` set on it
  hold,                  // a stream: send after_events events (never message_stop), then
                         // wait; a JSON answer: wait before it. Until released or the
                         // client closes (counted as a disconnect).
};

std::string_view to_string(FaultKind kind);
std::optional<FaultKind> fault_kind_from_string(std::string_view name);

struct Fault {
  FaultKind kind = FaultKind::status;

  // status
  unsigned status = 500;
  std::optional<long long> retry_after;     // seconds, `retry-after` header
  std::optional<long long> retry_after_ms;  // `retry-after-ms` header
  std::optional<bool> should_retry;         // overrides the status-derived x-should-retry
  // status and stream_error; empty: derived from the status (stream_error:
  // overloaded_error / "Overloaded").
  std::string error_type;
  std::string message;

  // body: sent as it is, whatever it holds
  std::string body;

  // drop_mid_stream, stream_error, hold
  std::size_t after_events = 0;

  // slow
  std::chrono::milliseconds delay{0};

  // Response headers set (replacing the fake's own) on the answer, for any kind.
  std::vector<std::pair<std::string, std::string>> headers;

  // Held until released before the fault applies (any kind).
  bool hold = false;

  // Lifetime: `count` requests, or a window of `for_ms` from first use when for_ms > 0.
  std::size_t count = 1;
  std::chrono::milliseconds for_ms{0};
};

// Parses one fault object; on failure returns nullopt and sets `error`.
std::optional<Fault> parse_fault(const boost::json::value& v, std::string& error);
// Parses {"faults":[...]} (or a bare array, or a single fault object).
std::optional<std::vector<Fault>> parse_faults(std::string_view body, std::string& error);

class FaultScript {
 public:
  using Clock = std::chrono::steady_clock;

  void add(Fault fault);
  void add(std::vector<Fault> faults);
  void clear();
  // Faults not yet used up (an open for_ms window counts as pending).
  std::size_t pending() const;

  // Consumes one application of the front fault; nullopt when the script is empty.
  std::optional<Fault> next();
  std::optional<Fault> next(Clock::time_point now);

 private:
  struct Entry {
    Fault fault;
    std::size_t remaining = 0;
    std::optional<Clock::time_point> window_end;
  };
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
};

}  // namespace gw::fake
