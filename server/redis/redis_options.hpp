#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace gw {

// Where Redis is and how to talk to it, from store.redis (config) or a test.
struct RedisOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  int db = 0;
  std::string user;      // ACL user; empty: the default user
  std::string password;  // empty: no AUTH
  bool tls = false;      // rediss://
  std::string ca_file;   // with tls: an extra PEM bundle to trust (else the system's)
  std::chrono::milliseconds timeout{2'000};  // connect, and each command's answer
  std::size_t pool_size = 8;                 // connections kept open
};

// Parses redis://[[user]:password@]host[:port][/db] or rediss://... into `out` (whose
// other fields stay as they are). Returns an error message, empty when the URL is good.
std::string parse_redis_url(const std::string& url, RedisOptions& out);

// `url` with its password replaced, for logs.
std::string redact_redis_url(const std::string& url);

}  // namespace gw
