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
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

// One JSON line on stdout.
void write_access_log(const RequestLog& entry);

}  // namespace gw
