#pragma once

#include "server/redis/redis_options.hpp"
#include "server/redis/redis_reply.hpp"
#include "server/redis/redis_script.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gw {

class RedisConnection;

// Thread-safe Redis client for blocking-pool threads: a pool of connections, each call on
// one of them. After a failed connect it backs off (100 ms doubling to 5 s) and, until the
// next attempt is due, fails at once with RedisUnavailable: while Redis is down each
// request costs nothing and gets its 503 fast, and one request an interval tries again.
class RedisClient {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit RedisClient(RedisOptions options, Clock clock = {});
  ~RedisClient();

  // One command; an error reply is returned as such. Throws RedisUnavailable.
  RedisReply command(const RedisCommand& command);
  // Several commands in one round trip (not atomic: MULTI/EXEC among them makes it so).
  std::vector<RedisReply> pipeline(const std::vector<RedisCommand>& commands);
  // EVALSHA, loading the script on NOSCRIPT (a restarted Redis forgets scripts). An
  // error reply from the script throws RedisCommandError.
  RedisReply eval(const RedisScript& script, const std::vector<std::string>& keys,
                  const std::vector<std::string>& args);

  const RedisOptions& options() const { return options_; }
  // Whether Redis answered the last call (false from a failure until the next success).
  bool reachable() const;

 private:
  std::unique_ptr<RedisConnection> lease();
  void give_back(std::unique_ptr<RedisConnection> connection);
  std::vector<RedisReply> run(const std::vector<RedisCommand>& commands);

  RedisOptions options_;
  Clock clock_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  bool reachable_ = true;
};

}  // namespace gw
