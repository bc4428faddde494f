#pragma once

#include <string>

namespace gw {

// Fields of another server's answer (upstream's, for pass-through), as whole head lines
// ("name: value\r\n") written after the response's own fields: copying twenty-odd fields
// into a response's field tree cost more than the rest of relaying a small answer
// (callgrind).
struct RelayedHead {
  std::string lines;
  bool has_request_id = false;  // then the gateway adds none of its own
};

}  // namespace gw
