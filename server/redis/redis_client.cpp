#include "server/redis/redis_client.hpp"

#include "server/redis/redis_connection.hpp"
#include "server/redis/redis_errors.hpp"

namespace gw {

namespace {
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5'000};
}  // namespace

RedisClient::RedisClient(RedisOptions options, Clock clock)
    : options_(std::move(options)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  if (options_.tls) {
    tls_ = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
    tls_->set_default_verify_paths();
    if (!options_.ca_file.empty()) tls_->load_verify_file(options_.ca_file);
  }
}

RedisClient::~RedisClient() = default;

bool RedisClient::reachable() const {
  std::lock_guard lock(mutex_);
  return reachable_;
}

std::unique_ptr<RedisConnection> RedisClient::lease() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (backoff_.count() > 0 && clock_() < next_attempt_) {
      throw RedisUnavailable("redis " + options_.host + ":" + std::to_string(options_.port) +
                             ": unreachable, reconnecting");
    }
    // This caller makes the attempt; others meanwhile fail fast instead of piling on.
    if (backoff_.count() > 0) next_attempt_ = clock_() + backoff_;
  }
  try {
    auto c = std::make_unique<RedisConnection>(options_, tls_.get());
    std::lock_guard lock(mutex_);
    backoff_ = std::chrono::milliseconds(0);
    reachable_ = true;
    return c;
  } catch (const RedisUnavailable&) {
    std::lock_guard lock(mutex_);
    backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
    next_attempt_ = clock_() + backoff_;
    reachable_ = false;
    throw;
  }
}

void RedisClient::give_back(std::unique_ptr<RedisConnection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->broken()) {
    reachable_ = false;
    // The others were opened to the same server: likely just as dead. Drop them so the
    // next calls reconnect (and back off) instead of each finding out by a timeout.
    idle_.clear();
    return;
  }
  reachable_ = true;
  if (idle_.size() < options_.pool_size) idle_.push_back(std::move(connection));
}

std::vector<RedisReply> RedisClient::run(const std::vector<RedisCommand>& commands) {
  auto connection = lease();
  try {
    auto replies = connection->run(commands, options_.timeout);
    give_back(std::move(connection));
    return replies;
  } catch (...) {
    give_back(std::move(connection));
    throw;
  }
}

RedisReply RedisClient::command(const RedisCommand& command) {
  return std::move(run({command}).front());
}

std::vector<RedisReply> RedisClient::pipeline(const std::vector<RedisCommand>& commands) {
  return run(commands);
}

RedisReply RedisClient::eval(const RedisScript& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args) {
  auto make = [&](const std::string& verb, const std::string& body) {
    RedisCommand c;
    c.reserve(3 + keys.size() + args.size());
    c.push_back(verb);
    c.push_back(body);
    c.push_back(std::to_string(keys.size()));
    c.insert(c.end(), keys.begin(), keys.end());
    c.insert(c.end(), args.begin(), args.end());
    return c;
  };
  auto reply = command(make("EVALSHA", script.sha1));
  if (reply.is_error() && reply.str.rfind("NOSCRIPT", 0) == 0) {
    reply = command(make("EVAL", script.source));
  }
  if (reply.is_error()) throw RedisCommandError("redis script failed: " + reply.str);
  return reply;
}

}  // namespace gw
