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

  // First value of a header, case-insensitive; empty when absent.
  std::string header(std::string_view name) const;
};

class RequestLog {
 public:
  static constexpr std::size_t kMaxRequests = 200;
  static constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

  void record(RecordedRequest request);
  // Oldest first; `limit` 0 means all kept.
  std::vector<RecordedRequest> last(std::size_t limit = 0) const;
  void clear();

  static std::string to_json(const std::vector<RecordedRequest>& requests);

 private:
  mutable std::mutex mutex_;
  std::deque<RecordedRequest> requests_;
};

}  // namespace gw::fake
