// One suite, every ConversationStore implementation (DESIGN.md: the store is the one
// interface with several implementations, and they must behave alike).

#include "server/store/memory_store.hpp"
#include "server/store/redis_store.hpp"
#include "server/store/sqlite_schema.hpp"
#include "server/store/sqlite_store.hpp"
#include "server/store/store_lock_wait.hpp"
#include "support/running_redis.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

namespace gw {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kNoBound = SIZE_MAX;

struct StoreKind {
  std::string name;
  std::function<std::unique_ptr<ConversationStore>(const fs::path& dir)> open;
};

// One redis-server for the whole test binary; each test has keys of its own. Sessions
// never expire here: the suite writes with timestamps of 1970.
std::unique_ptr<ConversationStore> shared_redis_store() {
  static test::RunningRedis redis;
  return std::make_unique<RedisStore>(std::make_shared<RedisClient>(redis.options()),
                                      test::RunningRedis::unique_prefix(),
                                      std::chrono::milliseconds(0));
}

class StoreConformance : public ::testing::TestWithParam<StoreKind> {
 protected:
  StoreConformance() : store_(GetParam().open(dir_.path())) {}
  ~StoreConformance() override { store_.reset(); }  // before the directory goes

  SessionRecord session(std::string id, std::string owner = "alice", EpochMillis at = 1000) {
    SessionRecord s;
    s.id = std::move(id);
    s.owner = std::move(owner);
    s.model = "claude-sonnet-4-5";
    s.system_json = R"("You are terse.")";
    s.max_tokens = 1024;
    s.metadata_json = R"({"app":"helpdesk"})";
    s.tools_json = R"([{"name":"get_weather"}])";
    s.tool_choice_json = R"({"type":"auto"})";
    s.thinking_json = R"({"type":"adaptive"})";
    s.cache = "off";
    s.cache_ttl = "1h";
    s.created_at = s.updated_at = at;
    return s;
  }
  static std::vector<StoredMessage> seed() {
    return {{"user", R"("What's the capital of France?")", ""}, {"assistant", R"("Paris.")", ""}};
  }
  static TurnCommit turn(const std::string& id, std::uint64_t expected, const std::string& turn_id,
                         EpochMillis at = 2000) {
    TurnCommit t;
    t.session_id = id;
    t.expected_message_count = expected;
    t.messages = {{"user", R"("hi ")" + turn_id, turn_id}, {"assistant", R"("hello")", turn_id}};
    t.usage = {10, 3, 100, 2000};
    t.at = at;
    return t;
  }

  test::TempDir dir_{"gw-store-"};
  std::unique_ptr<ConversationStore> store_;
};

TEST_P(StoreConformance, CreateAndGetKeepEveryField) {
  store_->create_session(session("ses_1"), seed());
  auto s = store_->get_session("ses_1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->owner, "alice");
  EXPECT_EQ(s->model, "claude-sonnet-4-5");
  EXPECT_EQ(s->system_json, R"("You are terse.")");
  EXPECT_EQ(s->max_tokens, 1024);
  EXPECT_EQ(s->metadata_json, R"({"app":"helpdesk"})");
  EXPECT_EQ(s->tools_json, R"([{"name":"get_weather"}])");
  EXPECT_EQ(s->tool_choice_json, R"({"type":"auto"})");
  EXPECT_EQ(s->thinking_json, R"({"type":"adaptive"})");
  EXPECT_EQ(s->cache, "off");
  EXPECT_EQ(s->cache_ttl, "1h");
  EXPECT_EQ(s->message_count, 2u);
  EXPECT_EQ(s->pinned_count, 2u);
  EXPECT_EQ(s->created_at, 1000);
  auto m = store_->messages("ses_1");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].role, "user");
  EXPECT_EQ(m[1].content_json, R"("Paris.")");
  EXPECT_FALSE(store_->get_session("ses_missing"));
  EXPECT_TRUE(store_->messages("ses_missing").empty());
}

TEST_P(StoreConformance, CommitAppendsAtomicallyAndSumsUsage) {
  store_->create_session(session("ses_1"), seed());
  EXPECT_EQ(store_->commit_turn(turn("ses_1", 2, "turn_a")), CommitResult::kCommitted);
  EXPECT_EQ(store_->commit_turn(turn("ses_1", 4, "turn_b", 3000)), CommitResult::kCommitted);
  auto s = store_->get_session("ses_1");
  EXPECT_EQ(s->message_count, 6u);
  EXPECT_EQ(s->pinned_count, 2u);
  EXPECT_EQ(s->usage.input_tokens, 20u);
  EXPECT_EQ(s->usage.output_tokens, 6u);
  EXPECT_EQ(s->usage.cache_creation_input_tokens, 200u);
  EXPECT_EQ(s->usage.cache_read_input_tokens, 4000u);
  EXPECT_EQ(s->updated_at, 3000);
  auto m = store_->messages("ses_1");
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[2].turn_id, "turn_a");
  EXPECT_EQ(m[5].turn_id, "turn_b");
  EXPECT_EQ(m[5].role, "assistant");
}

TEST_P(StoreConformance, StaleCommitIsAConflictAndChangesNothing) {
  store_->create_session(session("ses_1"), {});
  ASSERT_EQ(store_->commit_turn(turn("ses_1", 0, "turn_a")), CommitResult::kCommitted);
  EXPECT_EQ(store_->commit_turn(turn("ses_1", 0, "turn_b")), CommitResult::kConflict);
  EXPECT_EQ(store_->commit_turn(turn("ses_gone", 0, "turn_c")), CommitResult::kNotFound);
  auto s = store_->get_session("ses_1");
  EXPECT_EQ(s->message_count, 2u);
  EXPECT_EQ(s->usage.input_tokens, 10u);
  EXPECT_EQ(store_->messages("ses_1").size(), 2u);
}

TEST_P(StoreConformance, ContextIsPinnedPlusTheLatest) {
  store_->create_session(session("ses_1"), seed());
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(store_->commit_turn(turn("ses_1", 2 + 2 * i, "turn_" + std::to_string(i))),
              CommitResult::kCommitted);
  }
  auto ctx = store_->context("ses_1", 3);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->session.message_count, 12u);
  ASSERT_EQ(ctx->pinned.size(), 2u);
  ASSERT_EQ(ctx->recent.size(), 3u);
  EXPECT_EQ(ctx->recent[0].turn_id, "turn_3");  // the assistant half of turn 3
  EXPECT_EQ(ctx->recent[2].turn_id, "turn_4");
  auto all = store_->context("ses_1", 0);
  EXPECT_EQ(all->recent.size(), 10u);
  EXPECT_FALSE(store_->context("ses_missing", 3));
}

TEST_P(StoreConformance, ListIsPerOwnerNewestFirstAndPaged) {
  for (int i = 0; i < 5; ++i) {
    store_->create_session(session("ses_a" + std::to_string(i), "alice"), {});
    store_->create_session(session("ses_b" + std::to_string(i), "bob"), {});
  }
  auto page = store_->list_sessions("alice", 2, "", kNoBound);
  ASSERT_EQ(page.sessions.size(), 2u);
  EXPECT_TRUE(page.has_more);
  EXPECT_EQ(page.sessions[0].id, "ses_a4");
  EXPECT_EQ(page.sessions[1].id, "ses_a3");
  page = store_->list_sessions("alice", 2, "ses_a3", kNoBound);
  ASSERT_EQ(page.sessions.size(), 2u);
  EXPECT_EQ(page.sessions[0].id, "ses_a2");
  page = store_->list_sessions("alice", 2, "ses_a1", kNoBound);
  ASSERT_EQ(page.sessions.size(), 1u);
  EXPECT_FALSE(page.has_more);
  EXPECT_EQ(page.sessions[0].id, "ses_a0");
  EXPECT_TRUE(store_->list_sessions("carol", 10, "", kNoBound).sessions.empty());
  EXPECT_TRUE(store_->list_sessions("alice", 10, "ses_unknown", kNoBound).sessions.empty());
}

TEST_P(StoreConformance, ListAfterAnotherOwnersSessionIsAsIfUnknown) {
  store_->create_session(session("ses_b0", "bob"), {});
  store_->create_session(session("ses_a0", "alice"), {});
  // bob's own session is older than alice's: listing from hers would otherwise find it.
  auto page = store_->list_sessions("bob", 10, "ses_a0", kNoBound);
  EXPECT_TRUE(page.sessions.empty());
  EXPECT_FALSE(page.has_more);
}

TEST_P(StoreConformance, ListPageEndsBeforeItsByteBoundButNeverEmpty) {
  const std::string big(10'000, 'x');
  for (int i = 0; i < 7; ++i) {
    SessionRecord s = session("ses_" + std::to_string(i));
    s.system_json = '"' + big + '"';
    store_->create_session(s, {});
  }
  const std::size_t one = listed_bytes(*store_->get_session("ses_0"));
  // Three fit, a fourth would not: every page but the last ends early with has_more.
  std::vector<std::string> seen;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->list_sessions("alice", 100, after, 3 * one + one / 2);
    for (const auto& s : page.sessions) seen.push_back(s.id);
    if (!page.has_more) break;
    EXPECT_EQ(page.sessions.size(), 3u);
    after = page.sessions.back().id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ses_6", "ses_5", "ses_4", "ses_3", "ses_2", "ses_1",
                                            "ses_0"}));
  // A session bigger than the bound alone still gets a page of its own.
  auto page = store_->list_sessions("alice", 100, "", 10);
  ASSERT_EQ(page.sessions.size(), 1u);
  EXPECT_TRUE(page.has_more);
}

TEST_P(StoreConformance, UpdateChangesOnlyWhatIsGiven) {
  store_->create_session(session("ses_1"), {});
  SessionPatch p;
  p.max_tokens = 10;
  p.metadata_json = R"({"v":2})";
  auto s = store_->update_session("ses_1", p, 5000);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->max_tokens, 10);
  EXPECT_EQ(s->metadata_json, R"({"v":2})");
  EXPECT_EQ(s->model, "claude-sonnet-4-5");
  EXPECT_EQ(s->system_json, R"("You are terse.")");
  EXPECT_EQ(s->updated_at, 5000);
  SessionPatch clear;
  clear.system_json = "";
  EXPECT_EQ(store_->update_session("ses_1", clear, 6000)->system_json, "");
  EXPECT_EQ(store_->get_session("ses_1")->tools_json, R"([{"name":"get_weather"}])");
  SessionPatch tools;
  tools.tools_json = "";
  tools.tool_choice_json = R"({"type":"none"})";
  tools.thinking_json = "";
  tools.cache_ttl = "5m";
  auto t = store_->update_session("ses_1", tools, 7000);
  EXPECT_EQ(t->cache_ttl, "5m");
  EXPECT_EQ(t->cache, "off");
  EXPECT_EQ(t->thinking_json, "");
  EXPECT_EQ(t->tools_json, "");
  EXPECT_EQ(t->tool_choice_json, R"({"type":"none"})");
  EXPECT_EQ(t->max_tokens, 10);
  EXPECT_FALSE(store_->update_session("ses_missing", p, 5000));
}

TEST_P(StoreConformance, DeleteRemovesHistoryAndPurgeTakesOnlyIdle) {
  store_->create_session(session("ses_old", "alice", 100), seed());
  store_->create_session(session("ses_new", "alice", 100), seed());
  ASSERT_EQ(store_->commit_turn(turn("ses_new", 2, "turn_a", 900)), CommitResult::kCommitted);
  EXPECT_EQ(store_->purge_idle(500), 1u);
  EXPECT_FALSE(store_->get_session("ses_old"));
  EXPECT_TRUE(store_->messages("ses_old").empty());
  EXPECT_TRUE(store_->get_session("ses_new"));
  EXPECT_TRUE(store_->delete_session("ses_new"));
  EXPECT_FALSE(store_->delete_session("ses_new"));
  EXPECT_TRUE(store_->messages("ses_new").empty());
  EXPECT_TRUE(store_->list_sessions("alice", 10, "", kNoBound).sessions.empty());
}

TEST_P(StoreConformance, ConcurrentCommitsToOneSessionNeverInterleave) {
  store_->create_session(session("ses_1"), {});
  std::vector<std::thread> threads;
  std::atomic<int> committed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        for (;;) {
          auto s = store_->get_session("ses_1");
          auto r = store_->commit_turn(turn("ses_1", s->message_count,
                                            "turn_" + std::to_string(t) + "_" + std::to_string(i)));
          if (r == CommitResult::kCommitted) break;
        }
        ++committed;
      }
    });
  }
  for (auto& th : threads) th.join();
  auto m = store_->messages("ses_1");
  ASSERT_EQ(m.size(), 200u);
  for (std::size_t i = 0; i < m.size(); i += 2) {
    EXPECT_EQ(m[i].role, "user");
    EXPECT_EQ(m[i + 1].role, "assistant");
    EXPECT_EQ(m[i].turn_id, m[i + 1].turn_id);
  }
}

// A message holding the same image twice (once in a tool_result), and text that looks
// like the store's own reference.
std::string image_content(const std::string& data, const std::string& text = "what is this?") {
  const std::string image =
      R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":")" + data +
      R"("}})";
  return "[" + image + R"(,{"type":"tool_result","tool_use_id":"t","content":[)" + image +
         R"(]},{"type":"text","text":")" + text + R"("}])";
}

TEST_P(StoreConformance, ImagesReadBackExactlyAsGiven) {
  const std::string screenshot(300'000, 'A');
  const std::string other(1'000, 'B');
  std::vector<StoredMessage> seed = {{"user", image_content(other), ""},
                                     {"assistant", image_content(other), ""}};
  store_->create_session(session("ses_1"), seed);
  std::vector<StoredMessage> expected = seed;
  for (int i = 0; i < 20; ++i) {
    TurnCommit t = turn("ses_1", expected.size(), "turn_" + std::to_string(i));
    t.messages[0].content_json =
        image_content(screenshot, "gateway-image:sha256:" + std::string(64, 'a'));
    ASSERT_EQ(store_->commit_turn(t), CommitResult::kCommitted);
    expected.insert(expected.end(), t.messages.begin(), t.messages.end());
  }
  auto all = store_->messages("ses_1");
  ASSERT_EQ(all.size(), expected.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].content_json, expected[i].content_json) << i;
  }
  auto ctx = store_->context("ses_1", 3);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->pinned[0].content_json, seed[0].content_json);
  EXPECT_EQ(ctx->recent.back().content_json, expected.back().content_json);
  EXPECT_EQ(ctx->recent.front().content_json, expected[expected.size() - 3].content_json);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, StoreConformance,
    ::testing::Values(StoreKind{"memory",
                                [](const fs::path&) { return std::make_unique<MemoryStore>(); }},
                      StoreKind{"redis", [](const fs::path&) { return shared_redis_store(); }},
                      StoreKind{"sqlite",
                                [](const fs::path& dir) {
                                  return std::make_unique<SqliteStore>(
                                      (dir / "gateway.db").string(), false);
                                }},
                      // Every read from the file: the message cache must change no answer.
                      StoreKind{"sqlite_uncached",
                                [](const fs::path& dir) {
                                  return std::make_unique<SqliteStore>(
                                      (dir / "gateway.db").string(), false, 2, 0);
                                }}),
    [](const auto& info) { return info.param.name; });

// SQLite-only: the file outlives the process object, and the schema is versioned.
TEST(SqliteStore, ReopenKeepsEverythingAndSchemaVersionIsCurrent) {
  test::TempDir dir("gw-store-");
  auto path = (dir.path() / "gateway.db").string();
  {
    SqliteStore store(path, true);
    SessionRecord s;
    s.id = "ses_1";
    s.owner = "alice";
    s.model = "m";
    s.max_tokens = 1;
    store.create_session(s, {{"user", R"("hi")", ""}});
  }
  {
    SqliteStore store(path, false);
    auto s = store.get_session("ses_1");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->message_count, 1u);
  }
  SqliteDb db(path, SQLITE_OPEN_READONLY);
  SqliteStatement version(db, "PRAGMA user_version");
  ASSERT_TRUE(version.step());
  EXPECT_EQ(version.int_at(0), current_schema_version());
  version.reset();
  SqliteStatement mode(db, "PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.text_at(0), "wal");
  mode.reset();
}

// A session with only what the schema requires.
void create_bare_session(SqliteStore& store, const char* id, EpochMillis at = 0) {
  SessionRecord s;
  s.id = id;
  s.owner = "alice";
  s.model = "m";
  s.max_tokens = 1;
  s.created_at = s.updated_at = at;
  store.create_session(s, {});
}

// Appends a turn of two ~4 KB messages (about three WAL pages) to `id`, which holds
// `count` messages.
CommitResult commit_big_turn(SqliteStore& store, const char* id, std::uint64_t& count) {
  static const std::string big = "\"" + std::string(4000, 'x') + "\"";
  TurnCommit t;
  t.session_id = id;
  t.expected_message_count = count;
  t.messages = {{"user", big, "t"}, {"assistant", big, "t"}};
  count += 2;
  return store.commit_turn(t);
}

TEST(SqliteStore, CheckpointsInTheBackgroundKeepTheWalBounded) {
  test::TempDir dir("gw-store-");
  const auto db = dir.path() / "gateway.db";
  std::atomic<int> holds{0};
  {
    SqliteStore store(db.string(), false, 2, SqliteStore::kDefaultCacheBytes, [&](double seconds) {
      EXPECT_GE(seconds, 0.0);
      ++holds;
    });
    create_bare_session(store, "ses_1");
    // ~100 MB through the WAL with no pause in the writes: about six times what triggers
    // a checkpoint. A WAL that never starts over would hold all of it.
    std::uint64_t count = 0;
    for (int i = 0; i < 12000; ++i) {
      ASSERT_EQ(commit_big_turn(store, "ses_1", count), CommitResult::kCommitted);
    }
    EXPECT_GT(fs::file_size(db), 20'000'000u);  // pages were copied into the database
    // The WAL file keeps the largest size it ever had. Without starting over it reaches
    // ~440 MB here; with it, the size at which writes are held for the last frames (64 MB:
    // a loop like this one leaves no lull) plus what was written while the passes ran
    // (72 to 87 MB seen).
    EXPECT_LT(fs::file_size(dir.path() / "gateway.db-wal"), 150'000'000u);
    EXPECT_EQ(store.messages("ses_1").size(), count);
  }
  // With no lull the WAL started over only through passes that held writes, each reported.
  EXPECT_GE(holds.load(), 1);
}

// With pauses between bursts of writes, as real traffic has, the WAL starts over in a
// lull without ever holding writes back: it stays near the checkpoint threshold (16 MB),
// far from the 64 MB at which writes would be held.
TEST(SqliteStore, TheWalStartsOverInALullWithoutHoldingWrites) {
  test::TempDir dir("gw-store-");
  const auto db = dir.path() / "gateway.db";
  std::atomic<int> holds{0};
  SqliteStore store(db.string(), false, 2, SqliteStore::kDefaultCacheBytes,
                    [&](double) { ++holds; });
  create_bare_session(store, "ses_1");
  std::uint64_t count = 0;
  std::chrono::nanoseconds waited{0};
  for (int burst = 0; burst < 30; ++burst) {
    for (int i = 0; i < 200; ++i) {  // about 600 pages
      take_store_lock_wait();
      ASSERT_EQ(commit_big_turn(store, "ses_1", count), CommitResult::kCommitted);
      waited += take_store_lock_wait();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  // ~18,000 pages (70 MB) written in all.
  EXPECT_LT(fs::file_size(dir.path() / "gateway.db-wal"), 40'000'000u);
  EXPECT_EQ(waited.count(), 0) << "a commit waited for a checkpoint holding writes back";
  EXPECT_EQ(holds.load(), 0);
  EXPECT_EQ(store.messages("ses_1").size(), count);
}

// A database written by a gateway before tools (schema 1) opens, is upgraded, and keeps
// its sessions, which carry no tools.
TEST(SqliteStore, ASchemaOneDatabaseIsUpgradedInPlace) {
  test::TempDir dir("gw-store-");
  auto path = (dir.path() / "gateway.db").string();
  {
    SqliteStore store(path, true);
    SessionRecord s;
    s.id = "ses_old";
    s.owner = "alice";
    s.model = "m";
    s.max_tokens = 1;
    store.create_session(s, {{"user", R"("hi")", ""}});
  }
  {
    // Back to what schema 1 looked like.
    SqliteDb db(path, SQLITE_OPEN_READWRITE);
    db.exec("ALTER TABLE sessions DROP COLUMN tools_json");
    db.exec("ALTER TABLE sessions DROP COLUMN tool_choice_json");
    db.exec("ALTER TABLE sessions DROP COLUMN thinking_json");
    for (const char* c : {"cache", "cache_ttl", "cache_creation_tokens", "cache_read_tokens"}) {
      db.exec((std::string("ALTER TABLE sessions DROP COLUMN ") + c).c_str());
    }
    db.exec("DROP TRIGGER image_unreferenced");
    db.exec("DROP TABLE message_images");
    db.exec("DROP TABLE images");
    db.exec("PRAGMA user_version = 1");
  }
  SqliteStore store(path, false);
  auto s = store.get_session("ses_old");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->tools_json, "");
  EXPECT_EQ(s->cache, "auto");
  EXPECT_EQ(s->cache_ttl, "5m");
  EXPECT_EQ(s->usage.cache_read_input_tokens, 0u);
  EXPECT_EQ(store.messages("ses_old").size(), 1u);
  SessionPatch p;
  p.tools_json = R"([{"name":"t"}])";
  EXPECT_EQ(store.update_session("ses_old", p, 1)->tools_json, R"([{"name":"t"}])");
}

std::int64_t count_rows(const std::string& path, const char* table) {
  SqliteDb db(path, SQLITE_OPEN_READONLY);
  SqliteStatement q(db, (std::string("SELECT count(*) FROM ") + table).c_str());
  StatementUse use(q);
  use->step();
  return q.int_at(0);
}

// The same screenshot in 20 turns is one stored copy: the file grows by about one image,
// not twenty; and an image goes when the last session referring to it does.
TEST(SqliteStore, AnImageIsStoredOnceAndGoesWithTheLastSessionUsingIt) {
  test::TempDir dir("gw-store-");
  const auto path = (dir.path() / "gateway.db").string();
  SqliteStore store(path, false);
  const std::string screenshot(1'000'000, 'A');
  auto content = [&](const std::string& data) {
    return R"([{"type":"image","source":{"type":"base64","media_type":"image/png","data":")" +
           data + R"("}},{"type":"text","text":"and now?"}])";
  };
  for (const char* id : {"ses_a", "ses_b"}) {
    SessionRecord s;
    s.id = id;
    s.owner = "alice";
    s.model = "m";
    s.max_tokens = 1;
    store.create_session(s, {});
  }
  for (int i = 0; i < 20; ++i) {
    TurnCommit t;
    t.session_id = "ses_a";
    t.expected_message_count = 2 * static_cast<std::uint64_t>(i);
    t.messages = {{"user", content(screenshot), "t" + std::to_string(i)},
                  {"assistant", R"("a screenshot")", "t" + std::to_string(i)}};
    ASSERT_EQ(store.commit_turn(t), CommitResult::kCommitted);
  }
  TurnCommit b;
  b.session_id = "ses_b";
  b.messages = {{"user", content(screenshot), "tb"},
                {"assistant", R"("yes")", "tb"},
                {"user", content(std::string(2'000, 'C')), "tb2"}};
  ASSERT_EQ(store.commit_turn(b), CommitResult::kCommitted);
  EXPECT_EQ(count_rows(path, "images"), 2);
  EXPECT_EQ(count_rows(path, "message_images"), 22);
  {
    // Database plus WAL: about one screenshot, nowhere near twenty (20 MB).
    std::uintmax_t bytes = fs::file_size(path);
    if (fs::exists(path + "-wal")) bytes += fs::file_size(path + "-wal");
    EXPECT_LT(bytes, 3'000'000u) << bytes;
  }
  EXPECT_EQ(store.messages("ses_a")[38].content_json, content(screenshot));
  EXPECT_TRUE(store.delete_session("ses_a"));
  EXPECT_EQ(count_rows(path, "images"), 2);  // ses_b still shows it
  EXPECT_EQ(store.messages("ses_b")[0].content_json, content(screenshot));
  EXPECT_EQ(store.purge_idle(1), 1u);
  EXPECT_EQ(count_rows(path, "images"), 0);
  EXPECT_EQ(count_rows(path, "message_images"), 0);
}

// The purge scans sessions a span of seqs at a time (there is no index on updated_at):
// an idle session far past the first span goes too, and one used since stays.
TEST(SqliteStore, PurgeReachesSessionsPastTheFirstSpanAndKeepsUsedOnes) {
  test::TempDir dir("gw-store-");
  const auto path = (dir.path() / "gateway.db").string();
  SqliteStore store(path, false);
  create_bare_session(store, "ses_first", 100);
  {
    SqliteDb db(path, SQLITE_OPEN_READWRITE);
    db.exec("UPDATE sqlite_sequence SET seq = 1000000 WHERE name = 'sessions'");
  }
  create_bare_session(store, "ses_far", 100);
  create_bare_session(store, "ses_used", 100);
  TurnCommit t;
  t.session_id = "ses_used";
  t.messages = {{"user", R"("hi")", "t"}, {"assistant", R"("hello")", "t"}};
  t.at = 900;
  ASSERT_EQ(store.commit_turn(t), CommitResult::kCommitted);
  EXPECT_EQ(store.purge_idle(500), 2u);
  EXPECT_FALSE(store.get_session("ses_first"));
  EXPECT_FALSE(store.get_session("ses_far"));
  ASSERT_TRUE(store.get_session("ses_used"));
  EXPECT_EQ(store.messages("ses_used").size(), 2u);
  EXPECT_EQ(count_rows(path, "messages"), 2);
  // A commit writes no index entry for when a session was last used.
  SqliteDb db(path, SQLITE_OPEN_READONLY);
  SqliteStatement idle(db, "SELECT count(*) FROM sqlite_master WHERE name = 'sessions_by_idle'");
  StatementUse use(idle);
  ASSERT_TRUE(use->step());
  EXPECT_EQ(idle.int_at(0), 0);
}

TEST(SqliteStore, RefusesAFileFromANewerGateway) {
  test::TempDir dir("gw-store-");
  auto path = (dir.path() / "gateway.db").string();
  {
    SqliteDb db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA user_version = 999");
  }
  try {
    SqliteStore store(path, false);
    FAIL() << "opened a schema from the future";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

// Two gateways on one file: each caches what it read or committed, and still sees the
// other's turns, because a cached message is only ever one that cannot change.
TEST(SqliteStore, ACachedContextStillHasTurnsCommittedThroughAnotherConnection) {
  test::TempDir dir("gw-store-");
  const auto path = (dir.path() / "gateway.db").string();
  SqliteStore first(path, false);
  SqliteStore second(path, false);
  SessionRecord s;
  s.id = "ses_shared";
  s.owner = "alice";
  s.model = "claude-sonnet-4-5";
  first.create_session(s, {{"user", R"("pinned")", ""}, {"assistant", R"("ok")", ""}});
  auto commit = [](SqliteStore& store, std::uint64_t expected, const std::string& turn_id) {
    TurnCommit t;
    t.session_id = "ses_shared";
    t.expected_message_count = expected;
    t.messages = {{"user", R"(")" + turn_id + R"(")", turn_id}, {"assistant", R"("re")", turn_id}};
    return store.commit_turn(t);
  };
  ASSERT_EQ(commit(first, 2, "turn_a"), CommitResult::kCommitted);
  ASSERT_TRUE(first.context("ses_shared", 4));  // cached by `first` now
  ASSERT_EQ(commit(second, 4, "turn_b"), CommitResult::kCommitted);
  auto ctx = first.context("ses_shared", 4);
  ASSERT_TRUE(ctx);
  ASSERT_EQ(ctx->recent.size(), 4u);
  EXPECT_EQ(ctx->recent[0].turn_id, "turn_a");
  EXPECT_EQ(ctx->recent[2].turn_id, "turn_b");
  EXPECT_EQ(ctx->pinned[0].content_json, R"("pinned")");
  // `first` deleted it: gone for both, whatever either had cached.
  ASSERT_TRUE(second.context("ses_shared", 4));
  EXPECT_TRUE(first.delete_session("ses_shared"));
  EXPECT_FALSE(second.context("ses_shared", 4));
  EXPECT_FALSE(first.context("ses_shared", 4));
}

TEST(SqliteStore, UnwritableDirectoryIsAStoreError) {
  EXPECT_THROW(SqliteStore("/proc/no-such-dir/gateway.db", false), StoreError);
}

}  // namespace
}  // namespace gw
