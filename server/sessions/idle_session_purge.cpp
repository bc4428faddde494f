#include "server/sessions/idle_session_purge.hpp"

#include "server/common/log.hpp"
#include "server/sessions/session_json.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gw {

void IdleSessionPurge::start(boost::asio::any_io_executor ex) {
  boost::asio::co_spawn(ex, loop(), boost::asio::detached);
}

boost::asio::awaitable<void> IdleSessionPurge::loop() {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    timer.expires_after(config_.purge_interval);
    co_await timer.async_wait(boost::asio::use_awaitable);
    const auto ttl = config_.ttl.count();
    auto purged = co_await blocking_.run([&]() -> std::size_t {
      store_.ping();
      return ttl > 0 ? store_.purge_idle(now_millis() - ttl) : 0;
    });
    if (purged.ok() != reachable_.load()) {
      if (purged.ok()) {
        log::info("store reachable again", {});
      } else {
        log::error("store unreachable", {{"error", purged.error}});
      }
    }
    reachable_ = purged.ok();
    if (purged.ok() && *purged.value > 0) {
      log::info("idle sessions deleted", {{"count", std::to_string(*purged.value)}});
    }
  }
}

}  // namespace gw
