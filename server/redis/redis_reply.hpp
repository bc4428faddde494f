#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gw {

// One RESP2 reply, owned (hiredis's reply tree is converted and freed at once).
struct RedisReply {
  enum class Type { string, status, integer, nil, array, error };
  Type type = Type::nil;
  std::string str;  // string, status and error replies
  long long integer = 0;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::nil; }
  bool is_error() const { return type == Type::error; }
};

// One command: its arguments, binary-safe.
using RedisCommand = std::vector<std::string>;

}  // namespace gw
