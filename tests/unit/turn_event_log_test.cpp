// The per-turn event log and the registry that keeps turns, without sockets: the clock is
// injected, so expiry and bounds are tested without waiting.

#include "server/turns/turn_event_log.hpp"
#include "server/turns/turn_registry.hpp"
#include "server/turns/turn_replay.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace gw {
namespace {

std::vector<std::pair<std::uint64_t, std::string>> events(std::uint64_t from, std::uint64_t to,
                                                          std::size_t size = 10) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  for (auto i = from; i <= to; ++i) {
    std::string text = "id: t." + std::to_string(i) + "\n";
    text.resize(size, 'x');
    out.emplace_back(i, text);
  }
  return out;
}

TEST(TurnEventLog, ReadsResumeRightAfterTheGivenEvent) {
  TurnEventLog log(1 << 20);
  log.append(events(1, 5));
  auto all = log.read_after(0, 1 << 20);
  EXPECT_EQ(all.last, 5u);
  EXPECT_FALSE(all.gap);
  EXPECT_FALSE(all.ended);
  auto rest = log.read_after(3, 1 << 20);
  EXPECT_EQ(rest.text, all.text.substr(30));
  EXPECT_EQ(rest.last, 5u);
  auto none = log.read_after(5, 1 << 20);
  EXPECT_TRUE(none.text.empty());
  EXPECT_EQ(none.last, 5u);
  EXPECT_FALSE(none.ended);
  log.close();
  EXPECT_TRUE(log.read_after(5, 1 << 20).ended);
  auto last = log.read_after(4, 1 << 20);
  EXPECT_EQ(last.last, 5u);
  EXPECT_TRUE(last.ended);
}

TEST(TurnEventLog, AReadStopsNearItsByteBudgetButTakesAtLeastOneEvent) {
  TurnEventLog log(1 << 20);
  log.append(events(1, 10, 100));
  auto r = log.read_after(0, 250);
  EXPECT_EQ(r.last, 2u);
  EXPECT_EQ(r.text.size(), 200u);
  EXPECT_EQ(log.read_after(0, 1).last, 1u);
}

TEST(TurnEventLog, PastItsBoundTheOldestEventsGoAndAReaderNeedingThemGetsAGap) {
  TurnEventLog log(1000);
  log.append(events(1, 25, 100));  // 2,500 bytes into 1,000
  EXPECT_LE(log.bytes(), 1000u);
  auto behind = log.read_after(0, 1 << 20);
  EXPECT_TRUE(behind.gap);
  EXPECT_TRUE(behind.text.empty());
  auto live = log.read_after(20, 1 << 20);
  EXPECT_FALSE(live.gap);
  EXPECT_EQ(live.last, 25u);
  EXPECT_EQ(live.text.size(), 500u);
  // The newest event stays, however large.
  TurnEventLog small(64);
  small.append(events(1, 1, 500));
  EXPECT_EQ(small.read_after(0, 1 << 20).last, 1u);
}

TEST(TurnEventLog, DroppedEventsLeaveEveryReaderAGap) {
  TurnEventLog log(1 << 20);
  log.append(events(1, 3));
  log.close();
  EXPECT_EQ(log.drop_events(), 30u);
  EXPECT_TRUE(log.read_after(0, 1 << 20).gap);
  EXPECT_TRUE(log.read_after(2, 1 << 20).gap);
  EXPECT_EQ(log.last_seq(), 3u);
}

TEST(TurnEventLog, OutOfOrderAppendsAreIgnored) {
  TurnEventLog log(1 << 20);
  log.append(events(1, 3));
  log.append(events(2, 2));
  log.close();
  log.append(events(4, 4));
  EXPECT_EQ(log.last_seq(), 3u);
}

TEST(TurnEventLog, AWaitingReaderWakesOnAppendAndOnClose) {
  boost::asio::io_context ioc;
  TurnEventLog log(1 << 20);
  auto waiter = std::make_shared<LogWaiter>(ioc.get_executor());
  int wakes = 0;
  auto wait_once = [&]() -> boost::asio::awaitable<void> {
    co_await waiter->wait();
    ++wakes;
  };
  log.notify_after(0, waiter);
  boost::asio::co_spawn(ioc, wait_once(), boost::asio::detached);
  ioc.run_for(std::chrono::milliseconds(20));
  EXPECT_EQ(wakes, 0);
  log.append(events(1, 1));
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(wakes, 1);
  // Something is already there: notified at once, before it waits.
  log.notify_after(0, waiter);
  boost::asio::co_spawn(ioc, wait_once(), boost::asio::detached);
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(wakes, 2);
  log.notify_after(1, waiter);
  boost::asio::co_spawn(ioc, wait_once(), boost::asio::detached);
  log.close();
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(wakes, 3);
}

class TurnRegistryTest : public ::testing::Test {
 protected:
  TurnRegistryTest() {
    config_.streaming.replay_ttl = std::chrono::minutes(5);
    config_.streaming.token_ttl = std::chrono::hours(1);
    config_.sessions.idempotency_ttl = std::chrono::hours(24);
    config_.streaming.replay_max_bytes_per_turn = 1000;
    config_.streaming.replay_max_bytes = 2500;
  }
  TurnRegistry make() {
    return TurnRegistry(config_, [this] { return now_; });
  }
  TurnOutcome done() {
    TurnOutcome o;
    o.status = TurnStatus::completed;
    o.response.body() = R"({"completion":"hi"})";
    return o;
  }
  Config config_;
  std::chrono::steady_clock::time_point now_{};
};

TEST_F(TurnRegistryTest, AnIdempotencyKeyFindsItsTurnForItsTtlOnly) {
  auto turns = make();
  auto a = turns.claim("turn_a", "ses_1", "alpha", false, "k1", "digest");
  ASSERT_EQ(a.kind, TurnRegistry::Claim::Kind::created);
  auto again = turns.claim("turn_b", "ses_1", "alpha", false, "k1", "digest");
  EXPECT_EQ(again.kind, TurnRegistry::Claim::Kind::repeat);
  EXPECT_EQ(again.record, a.record);
  EXPECT_EQ(turns.claim("turn_c", "ses_1", "alpha", false, "k1", "other").kind,
            TurnRegistry::Claim::Kind::body_differs);
  // Another session, another owner: not the same key.
  EXPECT_EQ(turns.claim("turn_d", "ses_2", "alpha", false, "k1", "digest").kind,
            TurnRegistry::Claim::Kind::created);
  EXPECT_EQ(turns.claim("turn_e", "ses_1", "beta", false, "k1", "digest").kind,
            TurnRegistry::Claim::Kind::created);
  turns.finish(a.record, done());
  now_ += std::chrono::hours(23);
  EXPECT_EQ(turns.claim("turn_f", "ses_1", "alpha", false, "k1", "digest").kind,
            TurnRegistry::Claim::Kind::repeat);
  now_ += std::chrono::hours(1);
  EXPECT_EQ(turns.claim("turn_g", "ses_1", "alpha", false, "k1", "digest").kind,
            TurnRegistry::Claim::Kind::created);
  EXPECT_EQ(turns.find("turn_a"), nullptr);
}

TEST_F(TurnRegistryTest, AWithdrawnClaimFreesItsKeyAndTellsWhoeverAttached) {
  auto turns = make();
  auto a = turns.claim("turn_a", "ses_1", "alpha", false, "k1", "d");
  auto attached = turns.claim("turn_x", "ses_1", "alpha", false, "k1", "d").record;
  TurnOutcome refused;
  refused.status = TurnStatus::failed;
  refused.response.result(404);
  turns.withdraw(a.record, refused);
  EXPECT_TRUE(attached->ended());
  EXPECT_EQ(attached->outcome()->response.result_int(), 404u);
  EXPECT_EQ(turns.running(), 0u);
  EXPECT_EQ(turns.find("turn_a"), nullptr);
  EXPECT_EQ(turns.claim("turn_b", "ses_1", "alpha", false, "k1", "d").kind,
            TurnRegistry::Claim::Kind::created);
}

TEST_F(TurnRegistryTest, EventsExpireAfterReplayTtlAndOutcomesAfterTheirOwn) {
  auto turns = make();
  auto plain = turns.claim("turn_p", "ses_1", "alpha", true, "", "").record;
  plain->log().append(events(1, 3));
  turns.finish(plain, done());
  EXPECT_EQ(turns.finished_log_bytes(), 30u);
  now_ += std::chrono::minutes(5);
  ASSERT_NE(turns.find("turn_p"), nullptr);  // the outcome is kept
  EXPECT_TRUE(plain->log().read_after(0, 1 << 20).gap);
  EXPECT_EQ(turns.finished_log_bytes(), 0u);
  now_ += std::chrono::minutes(55);  // token_ttl: an events_url can no longer ask
  EXPECT_EQ(turns.find("turn_p"), nullptr);
}

TEST_F(TurnRegistryTest, FinishedLogsOverTheTotalBoundAreDroppedOldestFirst) {
  auto turns = make();
  std::vector<std::shared_ptr<TurnRecord>> records;
  for (int i = 0; i < 3; ++i) {
    auto r = turns.claim("turn_" + std::to_string(i), "ses_1", "alpha", true, "", "").record;
    r->log().append(events(1, 10, 100));  // 1,000 bytes each
    turns.finish(r, done());
    records.push_back(r);
  }
  EXPECT_LE(turns.finished_log_bytes(), 2500u);
  EXPECT_TRUE(records[0]->log().read_after(0, 1 << 20).gap);
  EXPECT_FALSE(records[1]->log().read_after(0, 1 << 20).gap);
  EXPECT_FALSE(records[2]->log().read_after(0, 1 << 20).gap);
}

// Results are bounded too: past outcome_max_bytes the oldest are forgotten, those that no
// Idempotency-Key can ask for again first.
TEST_F(TurnRegistryTest, ResultsOverTheirBoundAreForgottenOldestFirstPlainBeforeKeyed) {
  config_.streaming.outcome_max_bytes = 6000;  // two small turns' results, not three
  auto turns = make();
  auto keyed = turns.claim("turn_k", "ses_1", "alpha", false, "k1", "d").record;
  turns.finish(keyed, done());
  for (const char* id : {"turn_p1", "turn_p2"}) {
    turns.finish(turns.claim(id, "ses_1", "alpha", false, "", "").record, done());
  }
  EXPECT_LE(turns.outcome_bytes(), 6000u);
  EXPECT_EQ(turns.find("turn_p1"), nullptr);
  EXPECT_NE(turns.find("turn_p2"), nullptr);
  EXPECT_NE(turns.find("turn_k"), nullptr);
  EXPECT_EQ(turns.claim("turn_x", "ses_1", "alpha", false, "k1", "d").kind,
            TurnRegistry::Claim::Kind::repeat);
  // Forgotten means freed: nothing else holds a finished turn without events.
  std::weak_ptr<TurnRecord> gone = turns.claim("turn_p3", "ses_1", "alpha", false, "", "").record;
  turns.finish(gone.lock(), done());
  turns.finish(turns.claim("turn_p4", "ses_1", "alpha", false, "", "").record, done());
  EXPECT_TRUE(gone.expired());
  // Past the bound with only keyed results left, those go as well.
  config_.streaming.outcome_max_bytes = 0;
  auto none = make();
  auto k = none.claim("turn_k2", "ses_1", "alpha", false, "k2", "d").record;
  none.finish(k, done());
  EXPECT_EQ(none.outcome_bytes(), 0u);
  EXPECT_EQ(none.find("turn_k2"), nullptr);
  EXPECT_EQ(none.claim("turn_y", "ses_1", "alpha", false, "k2", "d").kind,
            TurnRegistry::Claim::Kind::created);
}

TEST_F(TurnRegistryTest, CancelAllReachesEveryRunningTurn) {
  auto turns = make();
  auto a = turns.claim("turn_a", "ses_1", "alpha", true, "", "").record;
  int cancels = 0;
  a->on_cancel([&] { ++cancels; });
  turns.cancel_all();
  turns.cancel_all();
  EXPECT_EQ(cancels, 1);
  EXPECT_TRUE(a->cancel_requested());
  EXPECT_FALSE(turns.wait_idle(std::chrono::milliseconds(0)));
  turns.finish(a, done());
  EXPECT_TRUE(turns.wait_idle(std::chrono::milliseconds(0)));
  // A hook installed after the request still fires: the cancel is not lost.
  auto b = turns.claim("turn_b", "ses_1", "alpha", true, "", "").record;
  b->request_cancel();
  b->on_cancel([&] { ++cancels; });
  EXPECT_EQ(cancels, 2);
}

TEST(TurnEventIds, ParseTheirOwnTurnsIdsOnly) {
  EXPECT_EQ(turn_event_id("turn_x", 7), "turn_x.7");
  EXPECT_EQ(parse_turn_event_id("turn_x.7", "turn_x"), 7u);
  EXPECT_EQ(parse_turn_event_id("7", "turn_x"), 7u);
  EXPECT_EQ(parse_turn_event_id("turn_y.7", "turn_x"), std::nullopt);
  EXPECT_EQ(parse_turn_event_id("turn_x.", "turn_x"), std::nullopt);
  EXPECT_EQ(parse_turn_event_id("turn_x.7a", "turn_x"), std::nullopt);
  EXPECT_EQ(parse_turn_event_id("", "turn_x"), std::nullopt);
  EXPECT_EQ(parse_turn_event_id("turn_x.99999999999999999999999", "turn_x"), std::nullopt);
}

TEST(TurnReplay, ACommittedTurnIsToldAsACompleteSequenceEndingInTurnCommitted) {
  TurnRecord record("turn_r", "ses_1", "alpha", true, 1 << 20);
  record.log().append(events(1, 9));
  TurnOutcome o;
  o.status = TurnStatus::completed;
  o.response.body() =
      R"({"id":"msg_1","type":"message","session_id":"ses_1","turn_id":"turn_r",)"
      R"("role":"assistant","model":"m","content":[{"type":"text","text":"Hi there"},)"
      R"({"type":"thinking","thinking":"hm","signature":"s"}],"completion":"Hi there",)"
      R"("text":"Hi there","stop_reason":"end_turn","stop_sequence":null,)"
      R"("usage":{"input_tokens":3,"output_tokens":2},"continuations":0,"message_count":2})";
  const std::string text = replay_outcome(record, o);
  EXPECT_NE(text.find(R"("text_delta","text":"Hi there")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("thinking":"hm")"), std::string::npos) << text;
  EXPECT_NE(text.find("event: message_stop"), std::string::npos);
  EXPECT_TRUE(text.ends_with("\n\n"));
  const auto last = text.rfind("id: ");
  EXPECT_EQ(text.substr(last, 15), "id: turn_r.9\nev");
  EXPECT_EQ(text.find("id: "), last) << "only the terminal event has an id";
  EXPECT_NE(text.find(R"("message_count":2)", last), std::string::npos);
}

TEST(TurnReplay, FailedAndCancelledTurnsEndInTheirOwnEvent) {
  TurnRecord record("turn_f", "ses_1", "alpha", false, 1 << 20);
  TurnOutcome failed;
  failed.status = TurnStatus::failed;
  failed.response.body() = R"({"type":"error","error":{"type":"api_error","message":"x"}})";
  EXPECT_EQ(replay_outcome(record, failed),
            "id: turn_f.1\nevent: error\ndata: " + failed.response.body() + "\n\n");
  TurnOutcome cancelled;
  cancelled.status = TurnStatus::cancelled;
  EXPECT_TRUE(replay_outcome(record, cancelled).starts_with("id: turn_f.1\nevent: turn_cancelled"));
}

}  // namespace
}  // namespace gw
