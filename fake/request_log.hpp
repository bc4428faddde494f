#pragma once

// The last requests the fake received, as received (GET /_fake/requests), so a test can
// check exactly what the gateway forwarded: header spelling, duplicates and body bytes.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::fake {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // order and case as received
  std::string body;                                          // at most kMaxBodyBytes
  bool body_truncated = false;
  std::int64_t time_ms = 0;  // epoch ms

  // What the fake answered, filled in once the answer is written: the request-id header,
  // the status (0: no answer, e.g. hang or drop_before_response) and the body bytes as
  // sent (for a stream, the SSE events actually written; truncated like `body`).
  std::string response_request_id;
  unsigned response_status = 0;
  std::string response_body;
  std::vector<std::pair<std::string, std::string>> response_headers;  // the head as sent
  std::uint64_t sequence = 0;  // assigned by RequestLog::record

  // First value of a header, case-insensitive; empty when absent.
  std::string header(std::string_view name) const;
};

class RequestLog {
 public:
  static constexpr std::size_t kMaxRequests = 200;
  static constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

  // Returns the request's sequence number, for set_response.
  std::uint64_t record(RecordedRequest request);
  // No-op once the request has been pushed out of the log.
  void set_response(std::uint64_t sequence, unsigned status, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {});
  // Oldest first; `limit` 0 means all kept.
  std::vector<RecordedRequest> last(std::size_t limit = 0) const;
  void clear();

  static std::string to_json(const std::vector<RecordedRequest>& requests);

 private:
  mutable std::mutex mutex_;
  std::deque<RecordedRequest> requests_;
  std::uint64_t next_sequence_ = 1;
};

}  // namespace gw::fake
