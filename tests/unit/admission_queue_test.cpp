#include "server/queue/admission_queue.hpp"
#include "support/admission_turns.hpp"

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gw {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

Config::Queue one_at_a_time() {
  Config::Queue q;
  q.max_concurrency = 1;
  q.max_depth = 100;
  q.max_wait = 5s;
  return q;
}

using test::from;
using test::take_turn;

// The queue on a frozen clock the test moves by hand, and admissions run on a thread of
// their own, each noting the clock's reading when it got in. Time-based wake-ups still
// come from the queue's real timer, but what they decide is read from this clock: a wait
// is shown by the reading at admission, never by the wall clock.
class ClockedQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ClockedQueue(const Config::Queue& config, std::vector<ClientKey> keys = {})
      : queue(config, keys, nullptr, 1h, [this] { return now.load(); }) {}
  ~ClockedQueue() {
    queue.stop();
    ioc_.stop();  // admissions still waiting (a failed test) are destroyed, not awaited
    if (thread_.joinable()) thread_.join();
  }

  // Starts an admission for `key`; admitted() counts those that got in.
  void admit(std::string key) { asio::co_spawn(ioc_, take(std::move(key)), asio::detached); }
  std::size_t admitted() const {
    std::lock_guard lock(mutex_);
    return admitted_at_.size();
  }
  Clock::time_point admitted_at(std::size_t i) const {
    std::lock_guard lock(mutex_);
    return admitted_at_.at(i);
  }
  void release_all() {
    asio::post(ioc_, [this] {
      std::lock_guard lock(mutex_);
      for (auto& t : tickets_) t->release(std::nullopt);
    });
  }

  std::atomic<Clock::time_point> now{Clock::time_point(1000h)};
  AdmissionQueue queue;

 private:
  asio::awaitable<void> take(std::string key) {
    auto ticket = std::make_unique<AdmissionTicket>();
    auto refused = co_await queue.admit(from(key), *ticket);
    std::lock_guard lock(mutex_);
    if (refused) co_return;
    admitted_at_.push_back(now.load());
    tickets_.push_back(std::move(ticket));
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{ioc_.get_executor()};
  std::thread thread_{[this] { ioc_.run(); }};
  mutable std::mutex mutex_;
  std::vector<Clock::time_point> admitted_at_;
  std::vector<std::unique_ptr<AdmissionTicket>> tickets_;
};

// Polls until `done` (a guard of 10 s against a hang, not a timing assertion).
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

TEST(AdmissionQueue, RoundRobinAcrossKeys) {
  asio::io_context ioc;
  AdmissionQueue q(one_at_a_time(), {});
  AdmissionTicket first;
  std::vector<std::string> order;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await q.admit(from("A"), first);  // holds the only slot while the others queue
      },
      asio::detached);
  ioc.poll();
  ioc.restart();  // it ran out of work: poll/run would return at once otherwise
  ASSERT_TRUE(first.held());
  for (int i = 0; i < 5; ++i) asio::co_spawn(ioc, take_turn(q, "A", order), asio::detached);
  for (int i = 0; i < 2; ++i) asio::co_spawn(ioc, take_turn(q, "B", order), asio::detached);
  ioc.poll();
  EXPECT_EQ(q.depth(), 7u);
  first.release(std::nullopt);
  ioc.run();
  EXPECT_EQ(order, (std::vector<std::string>{"A", "B", "A", "B", "A", "A", "A"}));
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(q.in_flight(), 0u);
}

TEST(AdmissionQueue, PerKeyConcurrencyLetsOtherKeysThrough) {
  asio::io_context ioc;
  Config::Queue c = one_at_a_time();
  c.max_concurrency = 4;
  ClientKey a{"A", "key-a-0123456789abcdef", {}, 0, 1};
  AdmissionQueue q(c, {a});
  AdmissionTicket held;
  std::vector<std::string> order;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { co_await q.admit(from("A"), held); }, asio::detached);
  ioc.poll();
  ioc.restart();
  ASSERT_TRUE(held.held());
  asio::co_spawn(ioc, take_turn(q, "A", order), asio::detached);  // waits: A is at its cap
  asio::co_spawn(ioc, take_turn(q, "B", order), asio::detached);
  ioc.run_for(std::chrono::milliseconds(20));  // B's turn holds its slot for 1ms
  ioc.restart();
  EXPECT_EQ(order, std::vector<std::string>{"B"});
  held.release(std::nullopt);
  ioc.run();
  EXPECT_EQ(order, (std::vector<std::string>{"B", "A"}));
}

TEST(AdmissionQueue, FullQueueAndMaxWaitAre429WithRetryAfter) {
  asio::io_context ioc;
  Config::Queue c = one_at_a_time();
  c.max_depth = 1;
  c.max_wait = 30ms;
  AdmissionQueue q(c, {});
  AdmissionTicket held, second, third;
  std::optional<ApiError> e2, e3;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { co_await q.admit(from("A"), held); }, asio::detached);
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { e2 = co_await q.admit(from("A"), second); },
      asio::detached);
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { e3 = co_await q.admit(from("B"), third); },
      asio::detached);
  ioc.run();
  ASSERT_TRUE(held.held());
  ASSERT_TRUE(e3);  // the queue was full
  EXPECT_EQ(e3->status, boost::beast::http::status::too_many_requests);
  EXPECT_EQ(e3->type, "rate_limit_error");
  ASSERT_TRUE(e3->retry_after_seconds);
  EXPECT_GE(*e3->retry_after_seconds, 1);
  ASSERT_TRUE(e2);  // waited past max_wait
  EXPECT_EQ(e2->type, "rate_limit_error");
  EXPECT_FALSE(second.held());
  EXPECT_FALSE(third.held());
  EXPECT_EQ(q.depth(), 0u);
  held.release(std::nullopt);
  EXPECT_EQ(q.in_flight(), 0u);
}

TEST(AdmissionQueue, CancelledWaiterLeavesTheQueueHoldingNothing) {
  asio::io_context ioc;
  AdmissionQueue q(one_at_a_time(), {});
  AdmissionTicket held, waiting;
  std::optional<ApiError> err;
  asio::cancellation_signal cancel;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { co_await q.admit(from("A"), held); }, asio::detached);
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { err = co_await q.admit(from("B"), waiting); },
      asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  ioc.poll();
  EXPECT_EQ(q.depth(), 1u);
  cancel.emit(asio::cancellation_type::terminal);
  ioc.poll();
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_TRUE(err);
  EXPECT_FALSE(waiting.held());
  held.release(std::nullopt);
  EXPECT_EQ(q.in_flight(), 0u);  // nobody was granted in the cancelled waiter's place
}

TEST(AdmissionQueue, CooldownHoldsEveryoneUntilItEnds) {
  Config::Queue c;
  ClockedQueue q(c);
  const auto start = q.now.load();
  q.queue.pause_until(start + 40ms);
  q.admit("A");
  q.admit("B");
  ASSERT_TRUE(eventually([&] { return q.queue.depth() == 2; }));
  q.now = start + 39ms;  // not yet over
  q.now = start + 40ms;
  ASSERT_TRUE(eventually([&] { return q.admitted() == 2; }));
  EXPECT_GE(q.admitted_at(0), start + 40ms);  // nobody got in before the pause ended
  EXPECT_GE(q.admitted_at(1), start + 40ms);
  q.release_all();
}

// Finding 4 of issue 9: an upstream's retry-after of a day (or int64 max) paused every
// key that long; with the cap, the pause ends after max_pause and the waiter gets in.
TEST(AdmissionQueue, CooldownNeverOutlastsMaxPause) {
  asio::io_context ioc;
  Config::Queue c;
  c.max_wait = 10s;
  AdmissionQueue q(c, {}, nullptr, 30ms);
  q.pause_until(std::chrono::steady_clock::time_point::max());
  q.pause_until(std::chrono::steady_clock::now() + 24h);
  AdmissionTicket g;
  std::optional<ApiError> refused;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { refused = co_await q.admit(from("A"), g); },
      asio::detached);
  ioc.run();
  EXPECT_FALSE(refused) << refused->message;
  EXPECT_TRUE(g.held());
  g.release(std::nullopt);
}

TEST(AdmissionQueue, FarOffUpstreamResetPausesOnlyMaxPause) {
  asio::io_context ioc;
  Config::Queue c;
  c.max_wait = 10s;
  AdmissionQueue q(c, {}, nullptr, 30ms);
  UpstreamLimits limits;
  limits.requests.remaining = 0;
  limits.requests.reset = parse_rfc3339("9999-12-31T23:59:59Z");
  ASSERT_TRUE(limits.requests.reset);
  q.observe(limits, std::chrono::system_clock::now());
  AdmissionTicket g;
  std::optional<ApiError> refused;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { refused = co_await q.admit(from("A"), g); },
      asio::detached);
  ioc.run();
  EXPECT_FALSE(refused) << refused->message;
  EXPECT_TRUE(g.held());
  g.release(std::nullopt);
}

TEST(AdmissionQueue, ExhaustedUpstreamBudgetPausesUntilItsReset) {
  ClockedQueue q(Config::Queue{});
  const auto start = q.now.load();
  UpstreamLimits limits;
  limits.requests.remaining = 0;
  const auto system_now = std::chrono::system_clock::now();
  limits.requests.reset = system_now + 40ms;
  q.queue.observe(limits, system_now);  // read against the queue's clock: start + 40ms
  q.admit("A");
  ASSERT_TRUE(eventually([&] { return q.queue.depth() == 1; }));
  q.now = start + 20ms;
  q.now = start + 40ms;
  ASSERT_TRUE(eventually([&] { return q.admitted() == 1; }));
  EXPECT_GE(q.admitted_at(0), start + 40ms);
  q.release_all();
  ASSERT_TRUE(eventually([&] { return q.queue.in_flight() == 0; }));
  // Budget left, or a reset in the past: no pause.
  limits.requests.remaining = 5;
  q.queue.observe(limits, system_now);
  limits.requests.remaining = 0;
  limits.requests.reset = system_now - 1s;
  q.queue.observe(limits, system_now);
  q.admit("A");
  ASSERT_TRUE(eventually([&] { return q.admitted() == 2; }));
  EXPECT_EQ(q.admitted_at(1), start + 40ms);  // at once: the clock has not moved
  q.release_all();
}

TEST(AdmissionQueue, RequestsPerMinuteSpacesAdmissionsOut) {
  Config::Queue c;
  c.requests_per_minute = 600;  // a full bucket of 600, then one per 100ms
  c.max_concurrency = 0;        // the 600 keep their slots until the end
  ClockedQueue q(c);
  const auto start = q.now.load();
  for (int i = 0; i < 600; ++i) q.admit("A");
  ASSERT_TRUE(eventually([&] { return q.admitted() == 600; }));
  q.release_all();
  q.admit("A");
  q.admit("A");
  ASSERT_TRUE(eventually([&] { return q.queue.depth() == 2; }));
  q.now = start + 50ms;
  q.now = start + 150ms;  // one refill and a half
  ASSERT_TRUE(eventually([&] { return q.admitted() == 601; }));
  EXPECT_EQ(q.queue.depth(), 1u);  // the next one needs another whole one
  q.now = start + 250ms;
  ASSERT_TRUE(eventually([&] { return q.admitted() == 602; }));
  EXPECT_EQ(q.admitted_at(599), start);
  EXPECT_GE(q.admitted_at(600), start + 100ms);
  EXPECT_GE(q.admitted_at(601), start + 200ms);
  q.release_all();
}

TEST(AdmissionQueue, PerKeyRequestsPerMinuteOnlyHoldsThatKey) {
  asio::io_context ioc;
  ClientKey slow{"slow", "key-slow-0123456789ab", {}, 1, 0};  // one a minute
  Config::Queue c;
  c.max_wait = 30ms;
  AdmissionQueue q(c, {slow});
  AdmissionTicket a1, a2, b1;
  std::optional<ApiError> e2, eb;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await q.admit(from("slow"), a1);
        e2 = co_await q.admit(from("slow"), a2);  // its minute's budget is spent
        eb = co_await q.admit(from("other"), b1);
      },
      asio::detached);
  ioc.run();
  EXPECT_TRUE(a1.held());
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->type, "rate_limit_error");
  EXPECT_FALSE(eb);
  EXPECT_TRUE(b1.held());
  a1.release(std::nullopt);
  b1.release(std::nullopt);
}

TEST(AdmissionQueue, OutputReservationIsGivenBackFromUsage) {
  asio::io_context ioc;
  Config::Queue c;
  c.output_tokens_per_minute = 1000;
  c.max_wait = 20ms;
  AdmissionQueue q(c, {});
  AdmissionRequest big = from("A");
  big.output_tokens = 800;
  AdmissionTicket g1, g2, g3;
  std::optional<ApiError> e2, e3;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await q.admit(big, g1);
        e2 = co_await q.admit(big, g2);  // 200 left: must wait, and max_wait is short
        g1.release(100);                 // 700 unused comes back
        e3 = co_await q.admit(big, g3);
      },
      asio::detached);
  ioc.run();
  EXPECT_TRUE(e2);
  EXPECT_FALSE(e3);
  EXPECT_TRUE(g3.held());
  g3.release(std::nullopt);
}

}  // namespace
}  // namespace gw
