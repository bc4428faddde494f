// The admission queue with a budget that blocks (a shared one, in Redis): its calls run on
// other threads, one candidate at a time, and the queue's own order still decides who is
// next. The budget here is the local one behind a counting wrapper, so no socket is needed.

#include "server/queue/admission_queue.hpp"
#include "server/queue/local_rate_budget.hpp"
#include "support/admission_turns.hpp"

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gw {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// The local buckets, behind what a round trip looks like: calls on other threads, each
// taking a moment, and counted. `hold()` keeps the next try_take from answering until
// `let_go()`.
class SlowBudget : public RateBudget {
 public:
  SlowBudget(const Config::Queue& c, std::vector<ClientKey> keys = {}) : inner_(c, keys) {}

  BudgetVerdict try_take(const BudgetAsk& ask, Clock::time_point now) override {
    const int running = ++running_;
    int seen = max_running.load();
    while (running > seen && !max_running.compare_exchange_weak(seen, running)) {
    }
    {
      std::unique_lock lock(mutex_);
      held_.wait(lock, [&] { return !holding_; });
    }
    std::this_thread::sleep_for(1ms);
    ++takes;
    BudgetVerdict v;
    {
      std::lock_guard lock(mutex_);
      v = inner_.try_take(ask, now);
    }
    --running_;
    v.shared = true;
    return v;
  }
  void give_back(const BudgetReturn& back, Clock::time_point now) override {
    std::lock_guard lock(mutex_);
    given_requests += back.requests;
    inner_.give_back(back, now);
  }
  void limit_to(const BudgetRemaining& r, Clock::time_point now) override {
    std::lock_guard lock(mutex_);
    inner_.limit_to(r, now);
  }
  void share_pause(Clock::duration) override {}

  void hold() {
    std::lock_guard lock(mutex_);
    holding_ = true;
  }
  void let_go() {
    {
      std::lock_guard lock(mutex_);
      holding_ = false;
    }
    held_.notify_all();
  }

  std::atomic<int> takes{0};
  std::atomic<int> max_running{0};
  std::atomic<std::uint64_t> given_requests{0};

 private:
  std::mutex mutex_;
  std::condition_variable held_;
  bool holding_ = false;
  std::atomic<int> running_{0};
  LocalRateBudget inner_;
};

struct SharedQueue {
  explicit SharedQueue(const Config::Queue& c, std::vector<ClientKey> keys = {}) {
    auto b = std::make_unique<SlowBudget>(c, keys);
    budget = b.get();
    queue = std::make_unique<AdmissionQueue>(
        c, keys, nullptr, 1h, AdmissionQueue::Clock::now, std::move(b),
        [this](std::function<void()> f) { asio::post(pool, std::move(f)); });
  }
  ~SharedQueue() {
    budget->let_go();
    queue->stop();
    pool.join();
  }
  asio::thread_pool pool{2};
  SlowBudget* budget = nullptr;
  std::unique_ptr<AdmissionQueue> queue;
};

using test::from;
using test::take_turn;

TEST(AdmissionQueueShared, OneCandidateAtATimeInRoundRobinOrder) {
  Config::Queue c;
  c.max_concurrency = 1;
  c.max_wait = 5s;
  SharedQueue s(c);
  asio::io_context ioc;
  AdmissionTicket first;
  std::vector<std::string> order;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { co_await s.queue->admit(from("A"), first); },
      asio::detached);
  ioc.run();  // the answer comes from the pool: run() waits for it
  ioc.restart();
  ASSERT_TRUE(first.held());
  for (int i = 0; i < 5; ++i) asio::co_spawn(ioc, take_turn(*s.queue, "A", order), asio::detached);
  for (int i = 0; i < 2; ++i) asio::co_spawn(ioc, take_turn(*s.queue, "B", order), asio::detached);
  ioc.poll();
  EXPECT_EQ(s.queue->depth(), 7u);
  first.release(std::nullopt);
  ioc.run();
  EXPECT_EQ(order, (std::vector<std::string>{"A", "B", "A", "B", "A", "A", "A"}));
  EXPECT_EQ(s.budget->takes.load(), 8);  // one ask per admission
  EXPECT_EQ(s.budget->max_running.load(), 1);
  EXPECT_EQ(s.queue->depth(), 0u);
  EXPECT_EQ(s.queue->in_flight(), 0u);
}

// The head does not fit for a while: newcomers queue behind it without each costing a
// round trip, and the key whose own budget is short steps aside for the others.
TEST(AdmissionQueueShared, AWaitingHeadIsNotAskedAboutAgainAndAgain) {
  Config::Queue c;
  c.requests_per_minute = 1;
  c.max_wait = 200ms;
  SharedQueue s(c);
  asio::io_context ioc;
  std::vector<std::string> order;
  for (int i = 0; i < 20; ++i) {
    asio::co_spawn(ioc, take_turn(*s.queue, i % 2 ? "A" : "B", order), asio::detached);
  }
  ioc.run();
  ASSERT_EQ(order.size(), 20u);
  EXPECT_EQ(std::count_if(order.begin(), order.end(),
                          [](const std::string& o) { return o.rfind("refused", 0) != 0; }),
            1);
  // The first, then the next head once: its wait (a minute) outlasts max_wait.
  EXPECT_LE(s.budget->takes.load(), 3);
}

TEST(AdmissionQueueShared, AKeyAtItsOwnLimitStepsAside) {
  Config::Queue c;
  c.max_wait = 200ms;
  ClientKey slow{"slow", "key-slow-0123456789ab", {}, 1, 0};
  SharedQueue s(c, {slow});
  asio::io_context ioc;
  std::vector<std::string> order;
  for (const char* k : {"slow", "slow", "fast", "fast"}) {
    asio::co_spawn(ioc, take_turn(*s.queue, k, order), asio::detached);
  }
  ioc.run();
  EXPECT_EQ(order, (std::vector<std::string>{"slow", "fast", "fast", "refused:slow"}));
}

TEST(AdmissionQueueShared, AWaiterGoneWhileAskedAboutGivesWhatWasTakenBack) {
  Config::Queue c;
  c.requests_per_minute = 1;
  c.max_wait = 5s;
  SharedQueue s(c);
  asio::io_context ioc;
  AdmissionTicket gone, next;
  std::optional<ApiError> err;
  asio::cancellation_signal cancel;
  s.budget->hold();
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { err = co_await s.queue->admit(from("A"), gone); },
      asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  ioc.poll();
  EXPECT_EQ(s.queue->depth(), 1u);
  cancel.emit(asio::cancellation_type::terminal);  // the client left mid round trip
  ioc.poll();
  EXPECT_TRUE(err);
  s.budget->let_go();
  // The only request of the minute was taken for it, and comes back: the next one fits.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (s.budget->given_requests.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(s.budget->given_requests.load(), 1u);
  ioc.restart();
  std::optional<ApiError> err2;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { err2 = co_await s.queue->admit(from("A"), next); },
      asio::detached);
  ioc.run();
  EXPECT_FALSE(err2) << err2->message;
  EXPECT_TRUE(next.held());
  EXPECT_FALSE(gone.held());
  next.release(std::nullopt);
}

}  // namespace
}  // namespace gw
