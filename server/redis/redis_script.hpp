#pragma once

#include <string>

namespace gw {

// A Lua script run with EVALSHA (the text is sent once per server, not per call).
struct RedisScript {
  explicit RedisScript(std::string source);
  std::string source;
  std::string sha1;  // hex, as SCRIPT LOAD answers
};

}  // namespace gw
