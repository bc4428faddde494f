#include "support/running_redis.hpp"

#include "server/redis/redis_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace gw::test {

namespace {

// A port the kernel just gave out and took back: free unless someone races for it, and
// start() tries another then.
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

RunningRedis::RunningRedis(std::vector<std::string> extra) : extra_(std::move(extra)) {
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    try {
      start();
      return;
    } catch (const std::exception&) {
      if (attempt == 4) throw;
    }
  }
}

RunningRedis::~RunningRedis() {
  kill();
}

RedisOptions RunningRedis::options() const {
  RedisOptions o;
  o.port = port_;
  o.timeout = std::chrono::milliseconds(2000);
  return o;
}

void RunningRedis::start() {
  std::vector<std::string> args{"redis-server",
                                "--port",
                                std::to_string(port_),
                                "--bind",
                                "127.0.0.1",
                                "--dir",
                                dir_.path().string(),
                                "--save",
                                "",
                                "--daemonize",
                                "no",
                                "--loglevel",
                                "warning",
                                "--logfile",
                                (dir_.path() / "redis.log").string()};
  args.insert(args.end(), extra_.begin(), extra_.end());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test that crashes takes its server along, and the server holds none of the test's
    // output pipes open (a runner reading them would wait forever).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (int null = ::open("/dev/null", O_RDWR); null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("redis-server", argv.data());
    ::_exit(127);
  }
  RedisOptions o = options();
  o.timeout = std::chrono::milliseconds(200);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited (is it installed? port taken?)");
    }
    try {
      RedisConnection c(o, nullptr);
      auto r = c.run({{"PING"}}, o.timeout);
      // A password set with --requirepass: NOAUTH still means it is up.
      if (!r.empty()) return;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill();
  throw std::runtime_error("redis-server did not answer");
}

void RunningRedis::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string RunningRedis::unique_prefix() {
  static std::atomic<int> n{0};
  return "t" + std::to_string(::getpid()) + "." + std::to_string(n++) + ":";
}

}  // namespace gw::test
