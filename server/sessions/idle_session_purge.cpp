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
  const auto tick = std::min(probe_interval_, config_.purge_interval);
  auto next_purge = std::chrono::steady_clock::now() + config_.purge_interval;
  for (;;) {
    timer.expires_after(tick);
    co_await timer.async_wait(boost::asio::use_awaitable);
    const bool purge = std::chrono::steady_clock::now() >= next_purge;
    if (purge) next_purge = std::chrono::steady_clock::now() + config_.purge_interval;
    const auto ttl = config_.ttl.count();
    auto purged = co_await blocking_.run([&]() -> std::size_t {
      store_.ping();
      return purge && ttl > 0 ? store_.purge_idle(now_millis() - ttl) : 0;
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
