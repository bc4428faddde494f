#include "server/common/time_format.hpp"
#include "server/http/request_log.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <mutex>

namespace gw {

void write_access_log(const RequestLog& e) {
  using namespace std::chrono;
  boost::json::object o;
  o["time"] = rfc3339_millis(system_clock::now());
  o["request_id"] = e.request_id;
  o["method"] = e.method;
  o["route"] = e.route;
  o["status"] = e.status;
  o["client_key"] = e.client_key;
  o["upstream_attempts"] = e.upstream_attempts;
  if (!e.upstream_request_id.empty()) o["upstream_request_id"] = e.upstream_request_id;
  if (!e.error_type.empty()) o["error_type"] = e.error_type;
  std::string line = boost::json::serialize(o);
  // Boost.JSON prints doubles in exponent form (7.8E-1); log readers expect 0.781.
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, ",\"duration_ms\":%.3f,\"queue_wait_ms\":%.3f}\n",
                duration<double, std::milli>(steady_clock::now() - e.start).count(),
                e.queue_wait_ms);
  line.pop_back();  // the closing brace
  line += numbers;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace gw
