#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "server/config/config_error.hpp"
#include "server/config/config_loader.hpp"
#include "server/config/config_validate.hpp"
#include "server/config/loopback.hpp"
#include "support/source_tree.hpp"

namespace gw {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

const std::filesystem::path kConfigDir = test::source_tree() / "config";
// An existing file, for settings that must name one.
const std::string kThisFile = (test::source_tree() / "tests/unit/config_test.cpp").string();

EnvLookup fake_env(std::map<std::string, std::string> vars = {}) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The smallest valid configuration: only the upstream key is required.
constexpr std::string_view kKey = "upstream:\n  api_key: sk-test\n";

Config load(std::string_view yaml, const EnvLookup& env = fake_env()) {
  return load_config_string(yaml, env);
}

std::string error_of(std::string_view yaml, const EnvLookup& env = fake_env()) {
  try {
    load_config_string(yaml, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

std::string with_key(std::string_view rest) {
  return std::string(kKey) + std::string(rest);
}

TEST(Config, DefaultsApplyToMissingFields) {
  const Config c = load(kKey);
  const Config d;
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 8080);
  EXPECT_EQ(c.threads, 0);
  EXPECT_EQ(c.upstream.base_url, "https://api.anthropic.com");
  EXPECT_EQ(c.upstream.api_key, "sk-test");
  EXPECT_EQ(c.upstream.ca_file, "");
  EXPECT_EQ(c.upstream.connect_timeout, d.upstream.connect_timeout);
  EXPECT_EQ(c.upstream.response_timeout, d.upstream.response_timeout);
  EXPECT_EQ(c.upstream.stream_idle_timeout, d.upstream.stream_idle_timeout);
  EXPECT_EQ(c.upstream.pool_max_idle, d.upstream.pool_max_idle);
  EXPECT_EQ(c.upstream.pool_idle_timeout, d.upstream.pool_idle_timeout);
  EXPECT_EQ(c.limits.max_body_bytes, d.limits.max_body_bytes);
  EXPECT_EQ(c.limits.max_header_bytes, d.limits.max_header_bytes);
  EXPECT_EQ(c.limits.header_timeout, d.limits.header_timeout);
  EXPECT_EQ(c.limits.body_timeout, d.limits.body_timeout);
  EXPECT_EQ(c.limits.idle_timeout, d.limits.idle_timeout);
  EXPECT_TRUE(c.auth.keys.empty());
  EXPECT_EQ(c.streaming.heartbeat, d.streaming.heartbeat);
  EXPECT_EQ(c.shutdown.grace, d.shutdown.grace);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_TRUE(c.log.access_log);
  EXPECT_EQ(c.models.no_prefill, d.models.no_prefill);
}

TEST(Config, EmptySectionsAndNullValuesKeepDefaults) {
  const Config c = load(with_key("limits:\nlog:\n  level: ~\nstreaming: {}\n"));
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.limits.max_body_bytes, Config{}.limits.max_body_bytes);
}

TEST(Config, EveryFieldIsRead) {
  const Config c = load(R"(
listen: "[::1]:0"
threads: 4
upstream:
  base_url: http://127.0.0.1:9999/
  api_key: sk-ant-xyz
  ca_file: )" + kThisFile +
                        R"(
  connect_timeout: 250ms
  response_timeout: 2m
  stream_idle_timeout: 45
  pool_max_idle: 0
  pool_idle_timeout: 1h
retry:
  max_retries: 5
  initial_backoff: 100ms
  max_backoff: 2s
  multiplier: 1.5
  deadline: 30s
  max_retry_after: 5s
queue:
  max_concurrency: 8
  requests_per_minute: 60
  input_tokens_per_minute: 1000
  output_tokens_per_minute: 2000
  max_depth: 50
  max_wait: 3s
  replicas: 3
limits:
  max_body_bytes: 1MiB
  max_header_bytes: 8192
  header_timeout: 3s
  body_timeout: 4s
  idle_timeout: 5s
auth:
  keys:
    - name: alice
      key: alice-key-0123456789
      models: [claude-sonnet-4-5, claude-haiku-4-5]
    - name: bob
      key: bob-key-0123456789ab
      requests_per_minute: 30
      max_concurrency: 2
streaming:
  heartbeat: 500ms
  replay_ttl: 90s
  replay_max_bytes_per_turn: 128KiB
  replay_max_bytes: 1MiB
  token_secret: a-secret-of-at-least-thirty-two-chars
  token_ttl: 10m
  retry_hint: 3s
cors:
  allowed_origins: [https://app.example.com, http://localhost:5173]
playground:
  enabled: false
shutdown:
  grace: 7s
log:
  level: debug
  access_log: false
models:
  no_prefill: [claude-x]
)");
  EXPECT_EQ(c.listen.host, "::1");
  EXPECT_EQ(c.listen.port, 0);
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.upstream.base_url, "http://127.0.0.1:9999/");
  EXPECT_EQ(c.upstream.api_key, "sk-ant-xyz");
  EXPECT_EQ(c.upstream.ca_file, kThisFile);
  EXPECT_EQ(c.upstream.connect_timeout, 250ms);
  EXPECT_EQ(c.upstream.response_timeout, 2min);
  EXPECT_EQ(c.upstream.stream_idle_timeout, 45s);
  EXPECT_EQ(c.upstream.pool_max_idle, 0u);
  EXPECT_EQ(c.upstream.pool_idle_timeout, 1h);
  EXPECT_EQ(c.limits.max_body_bytes, 1024u * 1024u);
  EXPECT_EQ(c.limits.max_header_bytes, 8192u);
  EXPECT_EQ(c.limits.header_timeout, 3s);
  EXPECT_EQ(c.limits.body_timeout, 4s);
  EXPECT_EQ(c.limits.idle_timeout, 5s);
  ASSERT_EQ(c.auth.keys.size(), 2u);
  EXPECT_EQ(c.auth.keys[0].name, "alice");
  EXPECT_EQ(c.auth.keys[0].key, "alice-key-0123456789");
  EXPECT_EQ(c.auth.keys[0].models,
            (std::vector<std::string>{"claude-sonnet-4-5", "claude-haiku-4-5"}));
  EXPECT_EQ(c.auth.keys[1].name, "bob");
  EXPECT_TRUE(c.auth.keys[1].models.empty());
  EXPECT_EQ(c.auth.keys[0].requests_per_minute, 0u);
  EXPECT_EQ(c.auth.keys[1].requests_per_minute, 30u);
  EXPECT_EQ(c.auth.keys[1].max_concurrency, 2u);
  EXPECT_EQ(c.retry.max_retries, 5);
  EXPECT_EQ(c.retry.initial_backoff, 100ms);
  EXPECT_EQ(c.retry.max_backoff, 2s);
  EXPECT_DOUBLE_EQ(c.retry.multiplier, 1.5);
  EXPECT_EQ(c.retry.deadline, 30s);
  EXPECT_EQ(c.retry.max_retry_after, 5s);
  EXPECT_EQ(c.queue.max_concurrency, 8u);
  EXPECT_EQ(c.queue.requests_per_minute, 60u);
  EXPECT_EQ(c.queue.input_tokens_per_minute, 1000u);
  EXPECT_EQ(c.queue.output_tokens_per_minute, 2000u);
  EXPECT_EQ(c.queue.max_depth, 50u);
  EXPECT_EQ(c.queue.max_wait, 3s);
  EXPECT_EQ(c.queue.replicas, 3u);
  EXPECT_EQ(c.streaming.heartbeat, 500ms);
  EXPECT_EQ(c.streaming.replay_ttl, 90s);
  EXPECT_EQ(c.streaming.replay_max_bytes_per_turn, 128u * 1024);
  EXPECT_EQ(c.streaming.replay_max_bytes, 1024u * 1024);
  EXPECT_EQ(c.streaming.token_secret, "a-secret-of-at-least-thirty-two-chars");
  EXPECT_EQ(c.streaming.token_ttl, 10min);
  EXPECT_EQ(c.streaming.retry_hint, 3s);
  EXPECT_EQ(c.cors.allowed_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:5173"}));
  EXPECT_FALSE(c.playground.enabled);
  EXPECT_EQ(c.shutdown.grace, 7s);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_FALSE(c.log.access_log);
  EXPECT_EQ(c.models.no_prefill, std::vector<std::string>{"claude-x"});
}

TEST(Config, EmptyListReplacesTheDefaultList) {
  EXPECT_TRUE(load(with_key("models:\n  no_prefill: []\n")).models.no_prefill.empty());
}

TEST(Config, DurationForms) {
  const auto heartbeat = [](std::string_view text) {
    return load(with_key("streaming:\n  heartbeat: \"" + std::string(text) + "\"\n"))
        .streaming.heartbeat;
  };
  EXPECT_EQ(heartbeat("250ms"), 250ms);
  EXPECT_EQ(heartbeat("5s"), 5s);
  EXPECT_EQ(heartbeat("2m"), 2min);
  EXPECT_EQ(heartbeat("1h"), 1h);
  EXPECT_EQ(heartbeat("30"), 30s);
  EXPECT_EQ(heartbeat("10 s"), 10s);
  for (std::string_view bad :
       {"soon", "1.5s", "-1s", "5x", "s", "", "5sec", "99999999999999999h"}) {
    EXPECT_THAT(error_of(with_key("streaming:\n  heartbeat: \"" + std::string(bad) + "\"\n")),
                StartsWith("streaming.heartbeat: expected a duration"))
        << bad;
  }
}

TEST(Config, BadDurationMessage) {
  EXPECT_EQ(error_of("upstream:\n  api_key: k\n  connect_timeout: soon\n"),
            "upstream.connect_timeout: expected a duration such as 250ms, 5s, 2m or 1h, got "
            "\"soon\"");
}

TEST(Config, SizeForms) {
  const auto body = [](std::string_view text) {
    return load(with_key("limits:\n  max_body_bytes: " + std::string(text) + "\n"))
        .limits.max_body_bytes;
  };
  EXPECT_EQ(body("1048576"), 1048576u);
  EXPECT_EQ(body("512KiB"), 512u * 1024u);
  EXPECT_EQ(body("32MiB"), 32u * 1024u * 1024u);
  EXPECT_EQ(body("1GiB"), 1024u * 1024u * 1024u);
  EXPECT_EQ(body("500KB"), 500'000u);
  EXPECT_EQ(body("2MB"), 2'000'000u);
  EXPECT_EQ(body("64 KiB"), 64u * 1024u);
}

TEST(Config, BadSizeMessage) {
  EXPECT_EQ(error_of(with_key("limits:\n  max_body_bytes: -1\n")),
            "limits.max_body_bytes: expected a size such as 32MiB, 512KiB or 1048576, got \"-1\"");
  EXPECT_THAT(error_of(with_key("limits:\n  max_header_bytes: 1.5MiB\n")),
              StartsWith("limits.max_header_bytes: expected a size"));
  EXPECT_THAT(error_of(with_key("limits:\n  max_header_bytes: 10TiB\n")),
              StartsWith("limits.max_header_bytes: expected a size"));
  EXPECT_THAT(error_of(with_key("limits:\n  max_header_bytes: 99999999999999999999\n")),
              StartsWith("limits.max_header_bytes: expected a size"));
}

TEST(Config, ZeroSizeLimitIsAnError) {
  EXPECT_EQ(error_of(with_key("limits:\n  max_body_bytes: 0\n")),
            "limits.max_body_bytes: must be greater than 0");
  EXPECT_EQ(error_of(with_key("limits:\n  max_header_bytes: 0KiB\n")),
            "limits.max_header_bytes: must be at least 1KiB");
  EXPECT_EQ(error_of(with_key("limits:\n  max_header_bytes: 1023\n")),
            "limits.max_header_bytes: must be at least 1KiB");
}

TEST(Config, ListenForms) {
  EXPECT_EQ(load(with_key("listen: 127.0.0.1:0\n")).listen.port, 0);
  const Config v6 = load(with_key("listen: \"[::1]:9000\"\n"));
  EXPECT_EQ(v6.listen.host, "::1");
  EXPECT_EQ(v6.listen.port, 9000);
  const Config named = load(with_key("listen: localhost:65535\n"));
  EXPECT_EQ(named.listen.host, "localhost");
  EXPECT_EQ(named.listen.port, 65535);
}

TEST(Config, BadListenMessage) {
  EXPECT_EQ(error_of(with_key("listen: \"8080\"\n")),
            "listen: expected host:port such as 127.0.0.1:8080 or [::1]:8080, got \"8080\"");
  for (std::string_view bad : {":8080", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:http",
                               "::1:8080", "[::1]8080", "[nothost]:80", "[::1]:", "127.0.0.1:-1"}) {
    EXPECT_THAT(error_of(with_key("listen: \"" + std::string(bad) + "\"\n")),
                StartsWith("listen: expected host:port"))
        << bad;
  }
}

TEST(Config, UnknownFieldSuggestsTheClosestOne) {
  EXPECT_EQ(error_of(with_key("upstrem:\n  api_key: x\n")),
            "upstrem: unknown field (did you mean \"upstream\"?)");
  EXPECT_EQ(error_of("upstream:\n  api_key: k\n  conect_timeout: 5s\n"),
            "upstream.conect_timeout: unknown field (did you mean \"connect_timeout\"?)");
  EXPECT_EQ(error_of(with_key("auth:\n  keys:\n    - name: a\n      key: 0123456789abcdef\n"
                              "      model: [x]\n")),
            "auth.keys[0].model: unknown field (did you mean \"models\"?)");
}

TEST(Config, UnknownFieldWithoutCloseMatchListsTheFields) {
  const std::string error = error_of(with_key("log:\n  colour_scheme: dark\n"));
  EXPECT_THAT(error, StartsWith("log.colour_scheme: unknown field"));
  EXPECT_THAT(error, HasSubstr("level, access_log"));
  EXPECT_THAT(error_of(with_key("dashboard:\n  dir: data\n")),
              StartsWith("dashboard: unknown field"));
}

TEST(Config, StoreAndSessionsFields) {
  const Config d = load("upstream:\n  api_key: k\n");
  EXPECT_EQ(d.store.backend, "sqlite");
  EXPECT_EQ(d.store.data_dir, "data");
  EXPECT_EQ(d.sessions.default_model, "claude-sonnet-4-5");
  EXPECT_EQ(d.sessions.max_context_messages, 100);
  EXPECT_EQ(d.sessions.ttl, 168h);
  EXPECT_EQ(d.limits.max_continuations, 5);
  const Config c = load(R"(
upstream:
  api_key: k
limits:
  max_continuations: 2
store:
  backend: memory
  data_dir: /var/lib/gw
  synchronous: full
  threads: 3
sessions:
  default_model: claude-haiku-4-5
  default_max_tokens: 256
  max_context_messages: 0
  max_context_tokens: 5000
  ttl: 0
  purge_interval: 10s
  idempotency_ttl: 2h
)");
  EXPECT_EQ(c.limits.max_continuations, 2);
  EXPECT_EQ(c.store.backend, "memory");
  EXPECT_EQ(c.store.data_dir, "/var/lib/gw");
  EXPECT_EQ(c.store.synchronous, "full");
  EXPECT_EQ(c.store.threads, 3);
  EXPECT_EQ(c.sessions.default_model, "claude-haiku-4-5");
  EXPECT_EQ(c.sessions.default_max_tokens, 256);
  EXPECT_EQ(c.sessions.max_context_messages, 0);
  EXPECT_EQ(c.sessions.max_context_tokens, 5000);
  EXPECT_EQ(c.sessions.ttl, 0s);
  EXPECT_EQ(c.sessions.purge_interval, 10s);
  EXPECT_EQ(c.sessions.idempotency_ttl, 2h);
  EXPECT_EQ(error_of(with_key("store:\n  backend: postgres\n")),
            "store.backend: expected sqlite, memory or redis, got \"postgres\"");
  EXPECT_EQ(error_of(with_key("store:\n  backend: redis\n  redis:\n    url: http://cache\n")),
            "store.redis.url: scheme must be redis:// or rediss://");
  EXPECT_EQ(error_of(with_key("store:\n  backend: redis\n  redis:\n    lock_ttl: 100ms\n")),
            "store.redis.lock_ttl: must be at least 1s");
  EXPECT_EQ(error_of(with_key("store:\n  backend: redis\n  redis:\n    url: redis://cache:6380/1\n"
                              "    key_prefix: \"app1:\"\n    timeout: 500ms\n")),
            "no error");
  EXPECT_EQ(error_of(with_key("store:\n  synchronous: off\n")),
            "store.synchronous: expected normal or full, got \"off\"");
  EXPECT_EQ(error_of(with_key("sessions:\n  purge_interval: 0\n")),
            "sessions.purge_interval: must be greater than 0");
}

TEST(Config, BrowserFieldsAreChecked) {
  EXPECT_EQ(error_of(with_key("streaming:\n  token_secret: short\n")),
            "streaming.token_secret: must be at least 32 characters (or empty: a random one per "
            "start)");
  EXPECT_EQ(error_of(with_key("streaming:\n  replay_max_bytes_per_turn: 1KiB\n")),
            "streaming.replay_max_bytes_per_turn: must be at least 64KiB");
  EXPECT_EQ(error_of(with_key("streaming:\n  replay_max_bytes: 64KiB\n")),
            "streaming.replay_max_bytes: must not be less than "
            "streaming.replay_max_bytes_per_turn");
  EXPECT_THAT(error_of(with_key("cors:\n  allowed_origins: [https://a.example.com/app]\n")),
              StartsWith("cors.allowed_origins[0]: expected an origin"));
  EXPECT_THAT(error_of(with_key("cors:\n  allowed_origins: [a.example.com]\n")),
              StartsWith("cors.allowed_origins[0]: expected an origin"));
  EXPECT_EQ(error_of(with_key("playground:\n  dir: /no/such/folder\n")),
            "playground.dir: no such folder: \"/no/such/folder\"");
  const Config d = load("upstream:\n  api_key: k\n");
  EXPECT_TRUE(d.cors.allowed_origins.empty()) << "no cross-origin access by default";
  EXPECT_TRUE(d.streaming.token_secret.empty());
  EXPECT_TRUE(d.playground.enabled);
}

TEST(Config, RepeatedFieldIsAnError) {
  EXPECT_EQ(error_of("upstream:\n  api_key: a\n  api_key: b\n"),
            "upstream.api_key: field given twice");
}

TEST(Config, WrongYamlTypesNameThePath) {
  EXPECT_EQ(error_of("upstream: yes\n"), "upstream: expected a map, got \"yes\"");
  EXPECT_EQ(error_of(with_key("log: [a]\n")), "log: expected a map, got a list");
  EXPECT_EQ(error_of(with_key("listen: {host: x}\n")), "listen: expected a string, got a map");
  EXPECT_EQ(error_of("upstream:\n  api_key: [a, b]\n"),
            "upstream.api_key: expected a string, got a list");
  EXPECT_THAT(error_of(with_key("threads: [1]\n")),
              StartsWith("threads: expected an integer from 0 to 256, got a list"));
  EXPECT_EQ(error_of(with_key("models:\n  no_prefill: claude\n")),
            "models.no_prefill: expected a list of strings, got \"claude\"");
  EXPECT_EQ(error_of(with_key("models:\n  no_prefill: [a, {b: c}]\n")),
            "models.no_prefill[1]: expected a string, got a map");
  EXPECT_EQ(error_of(with_key("auth:\n  keys: {name: a}\n")),
            "auth.keys: expected a list, got a map");
  EXPECT_EQ(error_of(with_key("auth:\n  keys: [just-a-key]\n")),
            "auth.keys[0]: expected a map, got \"just-a-key\"");
  EXPECT_EQ(error_of(with_key("streaming:\n  heartbeat: {a: 1}\n")),
            "streaming.heartbeat: expected a duration such as 250ms, 5s, 2m or 1h, got a map");
  EXPECT_EQ(error_of("- a\n- b\n"), "(root): expected a map, got a list");
}

TEST(Config, BoolAndIntFields) {
  EXPECT_FALSE(load(with_key("log:\n  access_log: no\n")).log.access_log);
  EXPECT_EQ(error_of(with_key("log:\n  access_log: maybe\n")),
            "log.access_log: expected true or false, got \"maybe\"");
  EXPECT_EQ(load(with_key("threads: 256\n")).threads, 256);
  EXPECT_EQ(error_of(with_key("threads: 300\n")),
            "threads: expected an integer from 0 to 256, got \"300\"");
  EXPECT_THAT(error_of(with_key("threads: -1\n")), StartsWith("threads: expected an integer"));
  EXPECT_THAT(error_of(with_key("threads: four\n")), StartsWith("threads: expected an integer"));
  EXPECT_THAT(error_of("upstream:\n  api_key: k\n  pool_max_idle: 1e3\n"),
              StartsWith("upstream.pool_max_idle: expected an integer"));
}

TEST(Config, YamlSyntaxErrorGivesLineAndColumn) {
  const std::string error = error_of("upstream: {api_key: k\n");
  EXPECT_THAT(error, StartsWith("line "));
  EXPECT_THAT(error, HasSubstr("column"));
  EXPECT_THAT(error, HasSubstr("invalid YAML"));
  EXPECT_THAT(error_of("listen: [a\nthreads: 1\n"), HasSubstr("line 2"));
}

TEST(Config, EnvironmentIsExpandedPerValue) {
  const auto env = fake_env({{"KEY", "sk-with: colon # and hash"}, {"PORT", "9999"}});
  const Config c = load("listen: 127.0.0.1:${PORT}\nupstream:\n  api_key: ${KEY}\n", env);
  EXPECT_EQ(c.upstream.api_key, "sk-with: colon # and hash");
  EXPECT_EQ(c.listen.port, 9999);
  EXPECT_EQ(load("upstream:\n  api_key: pa$$word\n").upstream.api_key, "pa$word");
}

TEST(Config, EnvironmentErrorNamesThePath) {
  EXPECT_THAT(error_of("upstream:\n  api_key: ${NOT_SET_ANYWHERE}\n"),
              StartsWith("upstream.api_key: environment variable NOT_SET_ANYWHERE is not set"));
  EXPECT_THAT(error_of(with_key("models:\n  no_prefill: [\"${OOPS\"]\n")),
              StartsWith("models.no_prefill[0]: unterminated"));
}

TEST(Config, BaseUrlRules) {
  const auto base = [](std::string_view url) {
    return "upstream:\n  api_key: k\n  base_url: \"" + std::string(url) + "\"\n";
  };
  for (std::string_view ok :
       {"https://api.anthropic.com", "https://example.com:8443/", "http://localhost:8080",
        "http://127.0.0.2:1", "http://[::1]:9000/"}) {
    EXPECT_EQ(load(base(ok)).upstream.base_url, ok);
  }
  EXPECT_THAT(error_of(base("http://api.anthropic.com")),
              StartsWith("upstream.base_url: plain http is allowed only for loopback upstreams"));
  EXPECT_THAT(error_of(base("http://10.0.0.1:8080")),
              StartsWith("upstream.base_url: plain http is allowed only for loopback"));
  EXPECT_THAT(error_of(base("ftp://example.com")), StartsWith("upstream.base_url: the scheme"));
  EXPECT_THAT(error_of(base("not-a-url")),
              StartsWith("upstream.base_url: expected an absolute URL"));
  // Boost.URL 1.81 asserted on these (the config fuzz target found them).
  for (std::string_view odd :
       {"httln: ", "not a url", "https://a b", "https://a\tb", "h:}", "https://a/{x}"}) {
    EXPECT_THAT(error_of(base(odd)),
                StartsWith("upstream.base_url: contains a character no URL holds"))
        << odd;
  }
  for (std::string_view odd : {"http:?", "https:/x", "h:-"}) {
    EXPECT_THAT(error_of(base(odd)), StartsWith("upstream.base_url: expected an absolute URL"))
        << odd;
  }
  EXPECT_THAT(error_of(base("HTTPS://example.com")), StartsWith("no error"));
  EXPECT_THAT(error_of(base("api.anthropic.com")), StartsWith("upstream.base_url:"));
  EXPECT_THAT(error_of(base("https://example.com/v1")),
              StartsWith("upstream.base_url: must not have a path"));
  EXPECT_EQ(error_of(base("https://example.com/?a=b")), "upstream.base_url: must not have a query");
  EXPECT_THAT(error_of(base("https://user:pw@example.com")),
              StartsWith("upstream.base_url: must not contain credentials"));
  EXPECT_THAT(error_of(base("https:///")), StartsWith("upstream.base_url: has no host"));
}

TEST(Config, ErrorsShowControlBytesEscaped) {
  // A NUL in a key ended what() at once (the config fuzz target found an empty message).
  // YAML's own escapes put a NUL and a 0x01 into the key.
  const std::string error = error_of("upstream:\n  api_key: k\n\"\\0key\\x01\": 1\n");
  EXPECT_THAT(error, ::testing::HasSubstr("\\x00key\\x01")) << error;
}

TEST(Config, ApiKeyIsRequired) {
  EXPECT_EQ(error_of("threads: 1\n"),
            "upstream.api_key: must not be empty: set ANTHROPIC_API_KEY, or start with "
            "scripts/run which falls back to the bundled fake Messages API");
  EXPECT_THAT(error_of("upstream:\n  api_key: \"${ANTHROPIC_API_KEY:-}\"\n"),
              StartsWith("upstream.api_key: must not be empty"));
}

TEST(Config, CaFileMustExist) {
  EXPECT_THAT(error_of("upstream:\n  api_key: k\n  ca_file: /nonexistent/ca.pem\n"),
              StartsWith("upstream.ca_file: no such file: \"/nonexistent/ca.pem\""));
  EXPECT_EQ(load("upstream:\n  api_key: k\n  ca_file: \"\"\n").upstream.ca_file, "");
}

TEST(Config, DurationsMustBePositive) {
  const std::pair<std::string_view, std::string_view> fields[] = {
      {"upstream", "connect_timeout"},
      {"upstream", "response_timeout"},
      {"upstream", "stream_idle_timeout"},
      {"upstream", "pool_idle_timeout"},
      {"limits", "header_timeout"},
      {"limits", "body_timeout"},
      {"limits", "idle_timeout"},
      {"streaming", "heartbeat"},
      {"shutdown", "grace"}};
  for (const auto& [section, field] : fields) {
    std::string yaml = section == "upstream" ? "" : with_key("");
    yaml += std::string(section) + ":\n  " + std::string(field) + ": 0ms\n";
    if (section == "upstream") yaml += "  api_key: k\n";
    EXPECT_EQ(error_of(yaml),
              std::string(section) + "." + std::string(field) + ": must be greater than 0");
  }
}

TEST(Config, LogLevelMustBeKnown) {
  for (std::string_view level : {"debug", "info", "warn", "error"}) {
    EXPECT_EQ(load(with_key("log:\n  level: " + std::string(level) + "\n")).log.level, level);
  }
  EXPECT_EQ(error_of(with_key("log:\n  level: verbose\n")),
            "log.level: expected one of debug, info, warn, error, got \"verbose\"");
}

std::string keys_yaml(std::string_view entries) {
  return with_key("auth:\n  keys:\n" + std::string(entries));
}

TEST(Config, ClientKeyRules) {
  EXPECT_EQ(error_of(keys_yaml("    - {name: a, key: 0123456789abcdef}\n"
                               "    - {name: b, key: \"\"}\n")),
            "auth.keys[1].key: must not be empty");
  EXPECT_EQ(error_of(keys_yaml("    - {name: b}\n")), "auth.keys[0].key: must not be empty");
  EXPECT_EQ(error_of(keys_yaml("    - {key: 0123456789abcdef}\n")),
            "auth.keys[0].name: must not be empty");
  EXPECT_EQ(error_of(keys_yaml("    - {name: a, key: short}\n")),
            "auth.keys[0].key: must be at least 16 characters long, got 5");
  EXPECT_EQ(error_of(keys_yaml("    - {name: a, key: 0123456789abcdef}\n"
                               "    - {name: a, key: 0123456789abcdeX}\n")),
            "auth.keys[1].name: duplicate name \"a\" (also auth.keys[0].name)");
  const std::string duplicate_key =
      error_of(keys_yaml("    - {name: a, key: 0123456789abcdef}\n"
                         "    - {name: b, key: 0123456789abcdef}\n"));
  EXPECT_EQ(duplicate_key, "auth.keys[1].key: duplicate key (same as auth.keys[0].key)");
  EXPECT_EQ(error_of(keys_yaml("    - {name: a, key: 0123456789abcdef, models: [\"\"]}\n")),
            "auth.keys[0].models[0]: must not be empty");
}

TEST(Config, AnonymousAccessNeedsLoopbackListener) {
  EXPECT_EQ(error_of(with_key("listen: 0.0.0.0:8080\n")),
            "auth.keys: empty while listening on 0.0.0.0: anonymous clients are allowed only on "
            "a loopback address; add keys or listen on 127.0.0.1");
  EXPECT_THAT(error_of(with_key("listen: \"[::]:8080\"\n")),
              StartsWith("auth.keys: empty while listening on ::"));
  EXPECT_EQ(load(with_key("listen: localhost:0\n")).listen.host, "localhost");
  const Config keyed =
      load(keys_yaml("    - {name: a, key: 0123456789abcdef}\n") + "listen: 0.0.0.0:8080\n");
  EXPECT_EQ(keyed.listen.host, "0.0.0.0");
}

TEST(Config, ValidateChecksBuiltConfigs) {
  Config c;
  c.upstream.api_key = "k";
  EXPECT_NO_THROW(validate_config(c));
  c.threads = 1000;
  EXPECT_THROW(validate_config(c), ConfigError);
}

TEST(Config, FileErrorsNameTheFile) {
  try {
    load_config_file("/nonexistent/gateway.yaml", fake_env());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), StartsWith("/nonexistent/gateway.yaml: cannot read"));
  }
  const auto path = std::filesystem::temp_directory_path() / "gw_config_test_bad.yaml";
  {
    std::ofstream out(path);
    out << "upstream:\n  api_key: k\nlisten: [\n";
  }
  try {
    load_config_file(path.string(), fake_env());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), StartsWith(path.string() + ": line "));
  }
  std::filesystem::remove(path);
}

TEST(Config, ShippedDefaultFileLoads) {
  const std::string path = (kConfigDir / "gateway.yaml").string();
  const Config c = load_config_file(path, fake_env({{"ANTHROPIC_API_KEY", "sk-ant-test"}}));
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 8080);
  EXPECT_EQ(c.upstream.base_url, "https://api.anthropic.com");
  EXPECT_EQ(c.upstream.api_key, "sk-ant-test");
  EXPECT_EQ(c.upstream.ca_file, "");

  const Config local =
      load_config_file(path, fake_env({{"ANTHROPIC_API_KEY", "fake"},
                                       {"ANTHROPIC_BASE_URL", "http://127.0.0.1:9001"},
                                       {"GATEWAY_LISTEN", "[::1]:0"},
                                       {"GATEWAY_UPSTREAM_CA_FILE", kThisFile}}));
  EXPECT_EQ(local.upstream.base_url, "http://127.0.0.1:9001");
  EXPECT_EQ(local.listen.host, "::1");
  EXPECT_EQ(local.listen.port, 0);
  EXPECT_EQ(local.upstream.ca_file, kThisFile);

  EXPECT_THROW(load_config_file(path, fake_env()), ConfigError);
}

TEST(Config, ShippedExampleFileLoads) {
  const Config c = load_config_file((kConfigDir / "gateway.example.yaml").string(),
                                    fake_env({{"ANTHROPIC_API_KEY", "sk-ant-test"}}));
  EXPECT_EQ(c.upstream.api_key, "sk-ant-test");
  EXPECT_EQ(c.auth.keys.size(), 2u);
  // The example documents the defaults: apart from its sample keys, it changes nothing.
  const Config d;
  EXPECT_EQ(c.listen.host, d.listen.host);
  EXPECT_EQ(c.listen.port, d.listen.port);
  EXPECT_EQ(c.threads, d.threads);
  EXPECT_EQ(c.upstream.base_url, d.upstream.base_url);
  EXPECT_EQ(c.upstream.connect_timeout, d.upstream.connect_timeout);
  EXPECT_EQ(c.upstream.response_timeout, d.upstream.response_timeout);
  EXPECT_EQ(c.upstream.stream_idle_timeout, d.upstream.stream_idle_timeout);
  EXPECT_EQ(c.upstream.pool_max_idle, d.upstream.pool_max_idle);
  EXPECT_EQ(c.upstream.pool_idle_timeout, d.upstream.pool_idle_timeout);
  EXPECT_EQ(c.limits.max_body_bytes, d.limits.max_body_bytes);
  EXPECT_EQ(c.limits.max_header_bytes, d.limits.max_header_bytes);
  EXPECT_EQ(c.limits.header_timeout, d.limits.header_timeout);
  EXPECT_EQ(c.limits.body_timeout, d.limits.body_timeout);
  EXPECT_EQ(c.limits.idle_timeout, d.limits.idle_timeout);
  EXPECT_EQ(c.streaming.heartbeat, d.streaming.heartbeat);
  EXPECT_EQ(c.shutdown.grace, d.shutdown.grace);
  EXPECT_EQ(c.log.level, d.log.level);
  EXPECT_EQ(c.log.access_log, d.log.access_log);
  EXPECT_EQ(c.models.no_prefill, d.models.no_prefill);
  EXPECT_EQ(c.retry.max_retries, d.retry.max_retries);
  EXPECT_EQ(c.retry.initial_backoff, d.retry.initial_backoff);
  EXPECT_EQ(c.retry.max_backoff, d.retry.max_backoff);
  EXPECT_DOUBLE_EQ(c.retry.multiplier, d.retry.multiplier);
  EXPECT_EQ(c.retry.deadline, d.retry.deadline);
  EXPECT_EQ(c.retry.max_retry_after, d.retry.max_retry_after);
  EXPECT_EQ(c.queue.max_concurrency, d.queue.max_concurrency);
  EXPECT_EQ(c.queue.requests_per_minute, d.queue.requests_per_minute);
  EXPECT_EQ(c.queue.input_tokens_per_minute, d.queue.input_tokens_per_minute);
  EXPECT_EQ(c.queue.output_tokens_per_minute, d.queue.output_tokens_per_minute);
  EXPECT_EQ(c.queue.max_depth, d.queue.max_depth);
  EXPECT_EQ(c.queue.max_wait, d.queue.max_wait);
  EXPECT_EQ(c.queue.replicas, d.queue.replicas);
  EXPECT_EQ(c.auth.keys[0].requests_per_minute, 0u);
  EXPECT_EQ(c.auth.keys[0].max_concurrency, 0u);
}

TEST(Config, RetryAndQueueRules) {
  EXPECT_EQ(error_of(with_key("retry:\n  multiplier: 0.5\n")),
            "retry.multiplier: expected a number from 1 to 10, got \"0.5\"");
  EXPECT_EQ(error_of(with_key("retry:\n  initial_backoff: 2s\n  max_backoff: 1s\n")),
            "retry.max_backoff: must not be less than retry.initial_backoff");
  EXPECT_EQ(error_of(with_key("retry:\n  max_retry_after: 0s\n")),
            "retry.max_retry_after: must be greater than 0");
  EXPECT_EQ(error_of(with_key("retry:\n  max_retry_after: 2h\n")),
            "retry.max_retry_after: must be at most 1h");
  EXPECT_EQ(error_of(with_key("retry:\n  max_retry_after: 1h\n")), "no error");
  EXPECT_EQ(error_of(with_key("queue:\n  max_wait: 0s\n")),
            "queue.max_wait: must be greater than 0");
  EXPECT_EQ(error_of(with_key("queue:\n  max_depth: -1\n")),
            "queue.max_depth: expected an integer from 0 to 10000000, got \"-1\"");
  EXPECT_EQ(error_of(with_key("queue:\n  replicas: 0\n")),
            "queue.replicas: expected an integer from 1 to 1000, got \"0\"");
  EXPECT_EQ(error_of(with_key("queue:\n  replicas: 2\n")), "no error");
  Config c;
  c.upstream.api_key = "k";
  c.queue.replicas = 0;
  EXPECT_THROW(validate_config(c), ConfigError);
}

TEST(Loopback, Hosts) {
  for (std::string_view yes : {"localhost", "LocalHost", "127.0.0.1", "127.255.0.9", "::1", "[::1]",
                               "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"}) {
    EXPECT_TRUE(is_loopback_host(yes)) << yes;
  }
  for (std::string_view no : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com",
                              "localhost.example.com", "", "[::2]", "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(is_loopback_host(no)) << no;
  }
}

}  // namespace
}  // namespace gw
