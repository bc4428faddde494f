#include "server/common/time_format.hpp"
#include "server/http/request_log.hpp"

#include <charconv>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace gw {

namespace {

// As Boost.JSON's serializer quotes a string: `"` and `\` and control characters escaped,
// every other byte as it is.
void append_quoted(std::string& line, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  line += '"';
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    line.append(value.data() + plain_from, i - plain_from);
    plain_from = i + 1;
    line += '\\';
    switch (c) {
      case '"':
        line += '"';
        break;
      case '\\':
        line += '\\';
        break;
      case '\n':
        line += 'n';
        break;
      case '\r':
        line += 'r';
        break;
      case '\t':
        line += 't';
        break;
      case '\b':
        line += 'b';
        break;
      case '\f':
        line += 'f';
        break;
      default:
        line += "u00";
        line += kHex[c >> 4];
        line += kHex[c & 0xf];
    }
  }
  line.append(value.data() + plain_from, value.size() - plain_from);
  line += '"';
}

void field(std::string& line, std::string_view name, std::string_view value) {
  line += ",\"";
  line += name;
  line += "\":";
  append_quoted(line, value);
}

// Milliseconds with three decimals, fixed-point as log readers expect (0.781, not
// Boost.JSON's 7.81E-1), from whole microseconds: no printf on every request.
void millis(std::string& line, std::string_view name, double seconds) {
  const auto micros = static_cast<long long>(seconds * 1e6 + 0.5);
  line += ",\"";
  line += name;
  line += "\":";
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, micros / 1000).ptr;
  line.append(digits, end);
  const auto fraction = static_cast<int>(micros % 1000);
  line += '.';
  line += static_cast<char>('0' + fraction / 100);
  line += static_cast<char>('0' + fraction / 10 % 10);
  line += static_cast<char>('0' + fraction % 10);
}

}  // namespace

void write_access_log(const RequestLog& e) {
  // Written out by hand in a fixed order: building a json::object for one line per request
  // cost more than the rest of a small request's handling in the gateway.
  std::string line;
  line.reserve(384);
  line += "{\"time\":\"";
  line += rfc3339_millis(std::chrono::system_clock::now());
  line += '"';
  field(line, "request_id", e.request_id);
  field(line, "method", e.method);
  field(line, "route", e.route);
  line += ",\"status\":";
  line += std::to_string(e.status);
  field(line, "client_key", e.client_key);
  line += ",\"upstream_attempts\":";
  line += std::to_string(e.upstream_attempts);
  if (!e.upstream_request_id.empty()) field(line, "upstream_request_id", e.upstream_request_id);
  if (!e.error_type.empty()) field(line, "error_type", e.error_type);
  millis(line, "duration_ms", e.duration_seconds());
  millis(line, "queue_wait_ms", e.queue_wait_ms / 1000.0);
  millis(line, "upstream_wait_ms", std::chrono::duration<double>(e.upstream_wait).count());
  millis(line, "overhead_ms", e.overhead_seconds());
  line += "}\n";
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace gw
