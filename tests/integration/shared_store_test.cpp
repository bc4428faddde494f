// Two gateways on one Redis (store.backend: redis), in-process against a real redis-server:
// a session is the same on both, one turn at a time per session across both, and a Redis
// that goes away costs 503s with the API.md body, never a half turn or a lost one.

#include "support/eventually.hpp"
#include "support/expect_error.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/running_redis.hpp"
#include "support/sse_events.hpp"

#include "server/redis/redis_client.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <future>
#include <string>

namespace gw::test {
namespace {

namespace json = boost::json;
using fake::Fault;
using fake::FaultKind;

class SharedStoreTest : public GatewayFixture {
 protected:
  explicit SharedStoreTest(std::vector<std::string> redis_args = {})
      : GatewayFixture(Upstream::plain), redis_(std::move(redis_args)) {}

  void SetUp() override {
    start([&](Config& c) { use_redis(c); });
    auto c = gateway().gateway().config();
    second_ = std::make_unique<RunningGateway>(c);
  }
  void TearDown() override {
    second_.reset();
    GatewayFixture::TearDown();
  }

  void use_redis(Config& c) {
    c.store.backend = "redis";
    c.store.redis.url = redis_.url();
    c.store.redis.key_prefix = prefix_;
    c.store.redis.timeout = std::chrono::milliseconds(500);
    c.store.redis.lock_ttl = std::chrono::milliseconds(1000);
    // events_url tokens made by one gateway are good on the other.
    c.streaming.token_secret = "a-secret-both-replicas-share-0123456789";
  }

  // The same request to gateway A (`first` true) or B.
  HttpResult on(bool first, std::string_view method, std::string_view path,
                std::string_view body = {}) const {
    const std::string base = first ? url("") : second_->base_url();
    return http_request(method, base + std::string(path), client_headers(), body);
  }
  std::string create_on(bool first) {
    auto r = on(first, "POST", "/gateway/v1/sessions", R"({"system":"Be brief."})");
    EXPECT_EQ(r.status, 201u) << r.body;
    return std::string(parse_object(r.body)["id"].as_string());
  }
  static std::string turns(const std::string& id) {
    return "/gateway/v1/sessions/" + id + "/messages";
  }
  std::int64_t count_on(bool first, const std::string& id) {
    auto r = on(first, "GET", "/gateway/v1/sessions/" + id);
    return parse_object(r.body)["message_count"].as_int64();
  }

  // A turn through A whose upstream reply is held (fake().release() lets it go).
  std::future<HttpResult> held_turn_on_a(const std::string& id, std::string content) {
    Fault hold;
    hold.kind = FaultKind::hold;
    fake().faults().add(hold);
    auto turn = std::async(std::launch::async, [this, id, content] {
      return on(true, "POST", turns(id), R"({"content":")" + content + R"("})");
    });
    EXPECT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
    return turn;
  }

  RunningRedis redis_;
  std::string prefix_ = RunningRedis::unique_prefix();
  std::unique_ptr<RunningGateway> second_;
};

TEST_F(SharedStoreTest, ASessionCreatedOnOneGatewayIsContinuedOnTheOther) {
  const auto id = create_on(true);
  ASSERT_EQ(on(true, "POST", turns(id), R"({"content":"first, on A"})").status, 200u);
  auto r = on(false, "POST", turns(id), R"({"content":"second, on B"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(parse_object(r.body)["message_count"].as_int64(), 4);
  // B built its request on A's turn: upstream saw the whole history.
  const auto recorded = fake().recorded();
  const auto& last = recorded.back();
  EXPECT_NE(last.body.find("first, on A"), std::string::npos);
  EXPECT_NE(last.body.find("second, on B"), std::string::npos);
  // Either gateway lists it, reads it and deletes it.
  auto list = parse_object(on(true, "GET", "/gateway/v1/sessions").body);
  EXPECT_EQ(list["data"].as_array().size(), 1u);
  EXPECT_EQ(count_on(true, id), 4);
  EXPECT_EQ(on(false, "DELETE", "/gateway/v1/sessions/" + id).status, 204u);
  EXPECT_EQ(on(true, "GET", "/gateway/v1/sessions/" + id).status, 404u);
}

TEST_F(SharedStoreTest, ConcurrentTurnsThroughBothGatewaysGiveOne200AndOne409) {
  const auto id = create_on(true);
  auto a = held_turn_on_a(id, "via A");
  // A's turn holds the session's lock in Redis: B refuses at once, starting nothing.
  auto b = on(false, "POST", turns(id), R"({"content":"via B"})");
  expect_error(b, 409, "conflict_error", "already running");
  fake().release();
  EXPECT_EQ(a.get().status, 200u);
  EXPECT_EQ(fake().recorded().size(), 1u);
  // The commit let go of the lock: the next turn, on B this time, runs at once.
  EXPECT_EQ(on(false, "POST", turns(id), R"({"content":"then B"})").status, 200u);
  EXPECT_EQ(count_on(true, id), 4);
}

TEST_F(SharedStoreTest, ALockLeftByADeadGatewayExpiresAndTheSessionTakesTurnsAgain) {
  const auto id = create_on(true);
  // What a gateway killed mid-turn leaves: its lock, nothing else.
  RedisClient raw(redis_.options());
  raw.command({"SET", prefix_ + "turn-lock:" + id, "lock_of_a_dead_gateway", "PX", "1000"});
  expect_error(on(false, "POST", turns(id), R"({"content":"too soon"})"), 409, "conflict_error",
               "already running");
  EXPECT_EQ(count_on(false, id), 0);
  EXPECT_TRUE(eventually([&] {
    return on(false, "POST", turns(id), R"({"content":"after expiry"})").status == 200u;
  }));
  EXPECT_EQ(count_on(true, id), 2);
}

TEST_F(SharedStoreTest, ALongTurnKeepsItsLockAliveBeyondTheTtl) {
  const auto id = create_on(true);
  auto a = held_turn_on_a(id, "slow");
  // Three lock lifetimes: renewals keep it this turn's, so B still refuses.
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  expect_error(on(false, "POST", turns(id), R"({"content":"meanwhile"})"), 409, "conflict_error",
               "already running");
  fake().release();
  EXPECT_EQ(a.get().status, 200u);
  EXPECT_EQ(count_on(false, id), 2);
}

// A background turn runs on A and holds upstream; its events_url read through B.
class SharedTurnEventsTest : public SharedStoreTest {
 protected:
  json::object background_on_a(const std::string& id, std::size_t hold_after) {
    Fault hold;
    hold.kind = FaultKind::hold;
    hold.after_events = hold_after;
    fake().faults().add(hold);
    auto r = on(true, "POST", turns(id), R"({"content":"in the background","background":true})");
    EXPECT_EQ(r.status, 202u) << r.body;
    EXPECT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
    return parse_object(r.body);
  }
  HttpResult read_on(bool first, const std::string& path, Headers headers = {},
                     std::size_t leave_after = 0) {
    std::string seen;
    const std::string base = first ? url("") : second_->base_url();
    return http_stream("GET", base + path, headers, {}, {}, [&](std::string_view chunk) {
      seen += chunk;
      return leave_after == 0 || parse_sse(seen).size() < leave_after;
    });
  }
};

TEST_F(SharedTurnEventsTest, AReaderResumesOnTheOtherGatewayWithNothingLostOrRepeated) {
  const auto id = create_on(true);
  auto accepted = background_on_a(id, 4);
  const std::string events(accepted["events_url"].as_string());
  // Part of it from A, as a browser would before its connection drops.
  auto first = parse_sse(read_on(true, events, {}, 3).body);
  ASSERT_GE(first.size(), 3u);  // a chunk may carry one more
  // The rest from B, resumed at the last id A gave, while A's turn still runs.
  auto rest_future = std::async(std::launch::async, [&] {
    return parse_sse(read_on(false, events, {{"last-event-id", first.back().id}}).body);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  fake().release();
  auto rest = rest_future.get();
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().event, "turn_committed");
  // One whole read on A afterwards: first + rest is exactly it.
  auto whole = parse_sse(read_on(true, events).body);
  std::vector<Sse> joined = first;
  joined.insert(joined.end(), rest.begin(), rest.end());
  EXPECT_EQ(joined, whole);
  // And the whole of it from B too, once the turn is over.
  EXPECT_EQ(parse_sse(read_on(false, events).body), whole);
  EXPECT_EQ(count_on(false, id), 2);
}

TEST_F(SharedTurnEventsTest, ATurnWhoseGatewayDiedIsMarkedFailedForReadersElsewhere) {
  const auto id = create_on(true);
  auto accepted = background_on_a(id, 2);
  const std::string events(accepted["events_url"].as_string());
  const std::string turn(accepted["turn_id"].as_string());
  // What A's death leaves: its alive key expires (here: goes), nobody renews it.
  RedisClient raw(redis_.options());
  ASSERT_TRUE(eventually([&] {
    return raw.command({"EXISTS", prefix_ + "turn-alive:" + turn}).integer == 1;
  }));
  raw.command({"DEL", prefix_ + "turn-alive:" + turn});
  auto got = parse_sse(read_on(false, events).body);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().event, "error");
  EXPECT_NE(got.back().data.find("stopped before the turn ended"), std::string::npos);
  EXPECT_EQ(got.back().id, turn + "." + std::to_string(got.size()));
  // A reader from where that one stopped: nothing more, the stream ends at once.
  EXPECT_TRUE(parse_sse(read_on(false, events, {{"last-event-id", got.back().id}}).body).empty());
  fake().release();
}

TEST_F(SharedTurnEventsTest, AnotherCallersTurnIsNotFoundOnEitherGateway) {
  const auto id = create_on(true);
  auto accepted = background_on_a(id, 0);
  const std::string turn(accepted["turn_id"].as_string());
  // B knows the turn, but not as beta's: the same 404 as an unknown turn.
  auto r = http_request(
      "GET", second_->base_url() + "/gateway/v1/sessions/" + id + "/turns/" + turn + "/events",
      client_headers(kKeyB));
  EXPECT_EQ(r.status, 404u);
  fake().release();
}

class RedisOutageTest : public SharedStoreTest {
 protected:
  // Every write acknowledged only once it is in the append-only file: a killed Redis
  // comes back with all of them.
  RedisOutageTest() : SharedStoreTest({"--appendonly", "yes", "--appendfsync", "always"}) {}
};

TEST_F(RedisOutageTest, RequestsDuringAnOutageGet503AndEveryAcknowledgedTurnSurvives) {
  const auto id = create_on(true);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(on(i % 2 == 0, "POST", turns(id), R"({"content":"before"})").status, 200u);
  }
  redis_.kill();
  // Each answered with the API.md error body, and nothing started upstream.
  const auto upstream_calls = fake().recorded().size();
  expect_error(on(true, "POST", turns(id), R"({"content":"during"})"), 503, "overloaded_error",
               "unreachable");
  expect_error(on(false, "GET", "/gateway/v1/sessions/" + id), 503, "overloaded_error");
  expect_error(on(true, "POST", "/gateway/v1/sessions", "{}"), 503, "overloaded_error");
  EXPECT_EQ(fake().recorded().size(), upstream_calls);
  EXPECT_TRUE(eventually([&] { return on(true, "GET", "/readyz").status == 503u; }));
  redis_.start();
  EXPECT_TRUE(eventually([&] {
    return on(true, "GET", "/readyz").status == 200u && on(false, "GET", "/readyz").status == 200u;
  }));
  EXPECT_EQ(count_on(false, id), 6);
  EXPECT_TRUE(eventually(
      [&] { return on(false, "POST", turns(id), R"({"content":"after"})").status == 200u; }));
  EXPECT_EQ(count_on(true, id), 8);
}

}  // namespace
}  // namespace gw::test
