#pragma once

#include <chrono>
#include <string>

namespace gw {

// What the access log records about one request (API.md section 5). Handlers fill in
// what they learn; never a key, never a body.
struct RequestLog {
  std::string request_id;
  std::string method;
  std::string route = "unmatched";
  unsigned status = 0;
  std::string client_key;  // the key's configured name, "anonymous" when auth is off
  int upstream_attempts = 0;
  double queue_wait_ms = 0;
  std::string upstream_request_id;
  std::string error_type;  // set when the response was an error
  // Awaiting upstream: connecting, sending, its answer's bytes, and the pauses between
  // attempts.
  std::chrono::steady_clock::duration upstream_wait{};
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point end{};  // set once the response is written

  double duration_seconds() const { return std::chrono::duration<double>(end - start).count(); }
  // What the gateway itself took: the whole request less its waits on the queue and on
  // upstream (a slow client's reads count, as they hold the gateway's resources too).
  double overhead_seconds() const {
    const double own = duration_seconds() - queue_wait_ms / 1000.0 -
                       std::chrono::duration<double>(upstream_wait).count();
    return own > 0 ? own : 0;
  }
};

// One JSON line on stdout.
void write_access_log(const RequestLog& entry);

}  // namespace gw
