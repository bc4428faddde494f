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
  o["duration_ms"] = duration<double, std::milli>(steady_clock::now() - e.start).count();
  o["client_key"] = e.client_key;
  o["upstream_attempts"] = e.upstream_attempts;
  o["queue_wait_ms"] = e.queue_wait_ms;
  if (!e.upstream_request_id.empty()) o["upstream_request_id"] = e.upstream_request_id;
  if (!e.error_type.empty()) o["error_type"] = e.error_type;
  std::string line = boost::json::serialize(o);
  line.push_back('\n');
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace gw
