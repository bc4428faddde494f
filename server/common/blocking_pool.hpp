#pragma once

#include "server/common/unavailable.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace gw {

// What a blocking call came to: its value, or the message of what it threw.
template <class T>
struct BlockingResult {
  std::optional<T> value;
  std::string error;
  bool unavailable = false;  // what it threw is an Unavailable: answer 503, not 500
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

  // Runs `f` without waiting for it; it must not throw.
  template <class F>
  void post(F f) {
    boost::asio::post(pool_, std::move(f));
  }

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
              result.unavailable = dynamic_cast<const Unavailable*>(&e) != nullptr;
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

// Bodies at least this large are parsed (and their images decoded) on the blocking pool:
// a 32 MiB parse on an I/O thread would stall every connection that thread serves.
inline constexpr std::size_t kParseOffIoBytes = 256 * 1024;

// `parse()` for a body of `bytes`: run here when small, on `pool` when large. What it
// throws is thrown here either way.
template <class F, class T = std::invoke_result_t<F&>>
boost::asio::awaitable<T> parse_off_io(BlockingPool& pool, std::size_t bytes, F parse) {
  if (bytes < kParseOffIoBytes) co_return parse();
  auto result = co_await pool.run(std::move(parse));
  if (!result.ok()) throw std::runtime_error(result.error);
  co_return std::move(*result.value);
}

}  // namespace gw
