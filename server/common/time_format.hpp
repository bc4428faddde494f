#pragma once

#include <chrono>
#include <string>

namespace gw {

// RFC 3339 UTC with second precision: "2025-08-21T12:40:59Z".
std::string rfc3339(std::chrono::system_clock::time_point t);

// RFC 3339 UTC with millisecond precision, for log lines.
std::string rfc3339_millis(std::chrono::system_clock::time_point t);

}  // namespace gw
