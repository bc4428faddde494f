// The admission ticket gives its slot back exactly once on every path, and the queue
// reads time from the clock it was given (frozen here, so no bucket refills on its own).

#include "server/queue/admission_queue.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <stdexcept>

namespace gw {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

class AdmissionTicketTest : public ::testing::Test {
 protected:
  AdmissionTicketTest() {
    config.max_concurrency = 0;
    config.max_depth = 10;
    config.output_tokens_per_minute = 1000;
    config.max_wait = 20ms;
  }
  std::unique_ptr<AdmissionQueue> queue() {
    return std::make_unique<AdmissionQueue>(config, std::vector<ClientKey>{}, nullptr, 1h,
                                            [this] { return now.load(); });
  }
  static AdmissionRequest wanting(std::uint64_t output) {
    AdmissionRequest r;
    r.key = "A";
    r.output_tokens = output;
    return r;
  }
  // Runs `body` to completion on a context of its own.
  template <typename F>
  void run(F body) {
    asio::io_context ioc;
    asio::co_spawn(ioc, body, asio::detached);
    ioc.run();
  }

  Config::Queue config;
  std::atomic<std::chrono::steady_clock::time_point> now{
      std::chrono::steady_clock::time_point(1000h)};
};

TEST_F(AdmissionTicketTest, SettleReleasesOnceAndGivesBackTheUnusedOutput) {
  auto q = queue();
  AdmissionTicket keeper, a, b;
  std::optional<ApiError> refused_b;
  run([&]() -> asio::awaitable<void> {
    co_await q->admit(wanting(0), keeper);
    co_await q->admit(wanting(800), a);
    EXPECT_EQ(q->in_flight(), 2u);
    a.settle({.output_tokens = 100});
    EXPECT_FALSE(a.held());
    a.settle(
        {.output_tokens = 100});  // a second settle is a no-op: the keeper's slot stays counted
    a.release(std::nullopt);
    EXPECT_EQ(q->in_flight(), 1u);
    refused_b = co_await q->admit(wanting(800), b);  // 200 left + 700 given back
  });
  EXPECT_FALSE(refused_b) << refused_b->message;
  EXPECT_TRUE(b.held());
}

TEST_F(AdmissionTicketTest, DestroyedWithoutSettleReleasesAndKeepsTheWholeReservation) {
  auto q = queue();
  std::optional<ApiError> refused;
  AdmissionTicket b;
  run([&]() -> asio::awaitable<void> {
    {
      AdmissionTicket a;
      co_await q->admit(wanting(800), a);
      EXPECT_EQ(q->in_flight(), 1u);
    }
    EXPECT_EQ(q->in_flight(), 0u);
    refused = co_await q->admit(wanting(800), b);  // only 200 left: waits past max_wait
  });
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->type, "rate_limit_error");
  EXPECT_FALSE(b.held());
}

TEST_F(AdmissionTicketTest, AMovedFromTicketReleasesNothing) {
  auto q = queue();
  AdmissionTicket keeper;
  run([&]() -> asio::awaitable<void> {
    co_await q->admit(wanting(0), keeper);
    AdmissionTicket a;
    co_await q->admit(wanting(0), a);
    {
      AdmissionTicket moved(std::move(a));
      EXPECT_FALSE(a.held());
      EXPECT_TRUE(moved.held());
      a.settle();  // nothing to give back
      EXPECT_EQ(q->in_flight(), 2u);
    }
    EXPECT_EQ(q->in_flight(), 1u);  // released once, by `moved`

    AdmissionTicket c, d;
    co_await q->admit(wanting(0), c);
    co_await q->admit(wanting(0), d);
    EXPECT_EQ(q->in_flight(), 3u);
    c = std::move(d);  // c's own admission goes back; d's is now c's
    EXPECT_EQ(q->in_flight(), 2u);
  });
  EXPECT_EQ(q->in_flight(), 1u);  // c died with the coroutine; the keeper is left
}

TEST_F(AdmissionTicketTest, ExceptionUnwindingReleases) {
  auto q = queue();
  AdmissionTicket keeper;
  bool caught = false;
  run([&]() -> asio::awaitable<void> {
    co_await q->admit(wanting(0), keeper);
    try {
      AdmissionTicket a;
      co_await q->admit(wanting(0), a);
      EXPECT_EQ(q->in_flight(), 2u);
      throw std::runtime_error("the relay failed");
    } catch (const std::runtime_error&) {
      caught = true;
    }
    EXPECT_EQ(q->in_flight(), 1u);
  });
  EXPECT_TRUE(caught);
  EXPECT_EQ(q->in_flight(), 1u);
}

TEST_F(AdmissionTicketTest, ACancelledWaitingAdmitHoldsNothing) {
  config.max_concurrency = 1;
  config.max_wait = 60s;
  auto q = queue();
  AdmissionTicket held, waiting;
  std::size_t which = 0;
  run([&]() -> asio::awaitable<void> {
    co_await q->admit(wanting(0), held);
    asio::steady_timer client_left(co_await asio::this_coro::executor, 10ms);
    auto r =
        co_await (q->admit(wanting(0), waiting) || client_left.async_wait(asio::use_awaitable));
    which = r.index();
  });
  EXPECT_EQ(which, 1u);  // the client left first
  EXPECT_FALSE(waiting.held());
  EXPECT_EQ(q->depth(), 0u);
  EXPECT_EQ(q->in_flight(), 1u);
  held.release(std::nullopt);
  EXPECT_EQ(q->in_flight(), 0u);  // nobody was granted the slot behind the cancelled wait
}

TEST_F(AdmissionTicketTest, TheQueueReadsTheInjectedClock) {
  auto q = queue();
  q->pause_until(now.load() + 30min);
  std::optional<ApiError> during, after;
  AdmissionTicket a, b;
  run([&]() -> asio::awaitable<void> {
    during = co_await q->admit(wanting(0), a);  // the pause outlasts max_wait: refused
    now = now.load() + 31min;
    after = co_await q->admit(wanting(0), b);
  });
  ASSERT_TRUE(during);
  EXPECT_EQ(during->type, "rate_limit_error");
  EXPECT_FALSE(after) << after->message;
  EXPECT_TRUE(b.held());
}

}  // namespace
}  // namespace gw
