#include "server/http/send_queue.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>

namespace gw {

std::optional<std::size_t> unacknowledged_bytes(asio::ip::tcp::socket& socket) {
  if (!socket.is_open()) return std::nullopt;
  const int fd = socket.native_handle();
  // A reset or timed-out connection keeps its count of unacknowledged bytes forever.
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return std::nullopt;
  if (info.tcpi_state == TCP_CLOSE) return std::nullopt;
  int queued = 0;
  if (::ioctl(fd, SIOCOUTQ, &queued) != 0 || queued < 0) return std::nullopt;
  return static_cast<std::size_t>(queued);
}

asio::awaitable<void> wait_until_acknowledged(asio::ip::tcp::socket& socket,
                                              std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(socket.get_executor());
  std::chrono::milliseconds pause(2);
  for (;;) {
    const auto queued = unacknowledged_bytes(socket);
    if (!queued || *queued == 0) co_return;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) co_return;
    timer.expires_after(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace gw
