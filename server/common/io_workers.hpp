#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace gw {

// One single-threaded io_context per core, as Envoy and nginx run workers: a connection
// lives on one worker for its whole life, with its upstream pool, so nothing on the
// request path needs a lock or a strand.
class IoWorkers {
 public:
  explicit IoWorkers(std::size_t count);
  ~IoWorkers();

  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& context(std::size_t i) { return *contexts_[i]; }
  // Round-robin choice for the next accepted connection.
  std::size_t next() { return next_++ % contexts_.size(); }

  void start();  // one thread per context
  void stop();   // stops every context; pending handlers are dropped
  void join();
  // After join(): destroys the contexts, and with them every coroutine still suspended on
  // one. Whatever those coroutines reference must still be alive.
  void destroy();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace gw
