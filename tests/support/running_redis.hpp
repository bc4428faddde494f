#pragma once

// A real redis-server (Debian's package) on a free loopback port, in a temporary
// directory, for tests of the Redis store, locks and budgets. Started by the constructor
// (which waits until it answers), killed by the destructor. Never a mock: the store's
// scripts run in the real server.

#include "server/redis/redis_options.hpp"
#include "support/temp_dir.hpp"

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gw::test {

class RunningRedis {
 public:
  // `extra` goes on redis-server's command line (e.g. {"--requirepass", "s3cret"}).
  explicit RunningRedis(std::vector<std::string> extra = {});
  ~RunningRedis();
  RunningRedis(const RunningRedis&) = delete;
  RunningRedis& operator=(const RunningRedis&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  RedisOptions options() const;

  // SIGKILL, as a crash; start() again brings it back on the same port and directory
  // (with its AOF, when the extra arguments turned it on).
  void kill();
  void start();

  // A key prefix no other test in this server uses.
  static std::string unique_prefix();

 private:
  TempDir dir_{"gw-redis-"};
  std::vector<std::string> extra_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace gw::test
