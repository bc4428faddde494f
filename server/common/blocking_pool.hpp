#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace gw {

// What a blocking call came to: its value, or the message of what it threw.
template <class T>
struct BlockingResult {
  std::optional<T> value;
  std::string error;
  bool ok() const { return value.has_value(); }
};

// A few threads for blocking work (SQLite, large decodes) so that I/O threads never wait
// on it. The coroutine that awaits run() resumes on its own executor afterwards.
class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  // Waits for the running calls; queued ones still run. Their completions are posted to
  // the callers' executors, which must outlive this call.
  void join() { pool_.join(); }

  // Not cancellable on purpose: a store write, once started, finishes, so a client that
  // leaves cannot leave half of it behind. Exceptions become `error`.
  template <class F, class T = std::invoke_result_t<F&>>
  boost::asio::awaitable<BlockingResult<T>> run(F f) {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                       void(BlockingResult<T>)>(
        [this](auto handler, F fn) {
          auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
          boost::asio::post(pool_, [fn = std::move(fn), handler = std::move(handler),
                                    work = std::move(work)]() mutable {
            BlockingResult<T> result;
            try {
              result.value.emplace(fn());
            } catch (const std::exception& e) {
              result.error = e.what();
            }
            auto ex = work.get_executor();
            boost::asio::post(ex,
                              [handler = std::move(handler), result = std::move(result)]() mutable {
                                std::move(handler)(std::move(result));
                              });
          });
        },
        boost::asio::use_awaitable, std::move(f));
  }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace gw
