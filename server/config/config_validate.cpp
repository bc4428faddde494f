#include "server/config/config_validate.hpp"

#include "server/redis/redis_options.hpp"

#include <boost/url.hpp>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "server/config/config_error.hpp"
#include "server/config/loopback.hpp"

#include "server/common/uri_chars.hpp"

namespace gw {
namespace {

void validate_base_url(const std::string& text) {
  const std::string path = "upstream.base_url";
  // Boost.URL 1.81 asserts (and without assertions, miscounts path segments) on some
  // strings that are no URL: "httln: ", "h:}", "http:?" (found by the config fuzz
  // target). Only what can be an http(s) URL reaches it: URI characters, then
  // http:// or https://.
  if (!only_uri_characters(text)) {
    throw ConfigError(path, "contains a character no URL holds: \"" + text + "\"");
  }
  const auto colon = text.find(':');
  if (colon == std::string::npos || text.compare(colon, 3, "://") != 0) {
    throw ConfigError(
        path, "expected an absolute URL such as https://api.anthropic.com, got \"" + text + "\"");
  }
  std::string written = text.substr(0, colon);
  for (auto& c : written) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (written != "https" && written != "http") {
    throw ConfigError(path, "the scheme must be https (or http for a loopback upstream), got \"" +
                                written + "\"");
  }
  const auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    throw ConfigError(
        path, "expected an absolute URL such as https://api.anthropic.com, got \"" + text + "\"");
  }
  const boost::urls::url_view url = *parsed;
  const auto scheme = url.scheme_id();
  if (scheme != boost::urls::scheme::https && scheme != boost::urls::scheme::http) {
    throw ConfigError(path, "the scheme must be https (or http for a loopback upstream), got \"" +
                                std::string(url.scheme()) + "\"");
  }
  const std::string host = url.host_address();
  if (host.empty()) throw ConfigError(path, "has no host: \"" + text + "\"");
  if (scheme == boost::urls::scheme::http && !is_loopback_host(host)) {
    throw ConfigError(path,
                      "plain http is allowed only for loopback upstreams (localhost, 127.0.0.1, "
                      "::1); use https for \"" +
                          host + "\"");
  }
  if (url.has_userinfo()) {
    throw ConfigError(path, "must not contain credentials; set upstream.api_key instead");
  }
  if (!url.encoded_path().empty() && url.encoded_path() != "/") {
    throw ConfigError(path, "must not have a path (the gateway adds /v1/...), got \"" +
                                std::string(url.encoded_path()) + "\"");
  }
  if (url.has_query()) throw ConfigError(path, "must not have a query");
  if (url.has_fragment()) throw ConfigError(path, "must not have a fragment");
}

void require_positive(Millis value, const char* path) {
  if (value.count() <= 0) throw ConfigError(path, "must be greater than 0");
}

void validate_auth(const Config& config) {
  const auto& keys = config.auth.keys;
  if (keys.empty() && !is_loopback_host(config.listen.host)) {
    throw ConfigError("auth.keys", "empty while listening on " + config.listen.host +
                                       ": anonymous clients are allowed only on a loopback "
                                       "address; add keys or listen on 127.0.0.1");
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string at = "auth.keys[" + std::to_string(i) + "]";
    const ClientKey& key = keys[i];
    if (key.name.empty()) throw ConfigError(at + ".name", "must not be empty");
    if (key.key.empty()) throw ConfigError(at + ".key", "must not be empty");
    if (key.key.size() < 16) {
      throw ConfigError(at + ".key", "must be at least 16 characters long, got " +
                                         std::to_string(key.key.size()));
    }
    for (std::size_t m = 0; m < key.models.size(); ++m) {
      if (key.models[m].empty()) {
        throw ConfigError(at + ".models[" + std::to_string(m) + "]", "must not be empty");
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      const std::string other = "auth.keys[" + std::to_string(j) + "]";
      if (keys[j].name == key.name) {
        throw ConfigError(at + ".name",
                          "duplicate name \"" + key.name + "\" (also " + other + ".name)");
      }
      // The key itself stays out of the message: error output ends up in logs.
      if (keys[j].key == key.key) {
        throw ConfigError(at + ".key", "duplicate key (same as " + other + ".key)");
      }
    }
  }
}

void validate_store(const Config& config) {
  const auto& store = config.store;
  if (store.backend != "sqlite" && store.backend != "memory" && store.backend != "redis") {
    throw ConfigError("store.backend",
                      "expected sqlite, memory or redis, got \"" + store.backend + "\"");
  }
  if (store.backend == "redis") {
    RedisOptions options;
    if (auto why = parse_redis_url(store.redis.url, options); !why.empty()) {
      throw ConfigError("store.redis.url", why);
    }
    if (store.redis.timeout.count() <= 0) {
      throw ConfigError("store.redis.timeout", "must be positive");
    }
    // Renewed at a third of its life: shorter than a second leaves no room for a slow
    // Redis answer between renewals.
    if (store.redis.lock_ttl.count() < 1000) {
      throw ConfigError("store.redis.lock_ttl", "must be at least 1s");
    }
  }
  if (store.backend == "sqlite" && store.data_dir.empty()) {
    throw ConfigError("store.data_dir", "must not be empty with the sqlite backend");
  }
  if (store.synchronous != "normal" && store.synchronous != "full") {
    throw ConfigError("store.synchronous",
                      "expected normal or full, got \"" + store.synchronous + "\"");
  }
  if (config.sessions.default_model.empty()) {
    throw ConfigError("sessions.default_model", "must not be empty");
  }
  if (config.sessions.ttl.count() < 0) throw ConfigError("sessions.ttl", "must not be negative");
}

}  // namespace

void validate_config(const Config& config) {
  if (config.threads < 0 || config.threads > 256) {
    throw ConfigError("threads", "must be from 0 to 256 (0: one per core), got " +
                                     std::to_string(config.threads));
  }

  validate_base_url(config.upstream.base_url);
  if (config.upstream.api_key.empty()) {
    throw ConfigError("upstream.api_key",
                      "must not be empty: set ANTHROPIC_API_KEY, or start with scripts/run "
                      "which falls back to the bundled fake Messages API");
  }
  if (!config.upstream.ca_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(config.upstream.ca_file, ec)) {
      throw ConfigError("upstream.ca_file", "no such file: \"" + config.upstream.ca_file + "\"");
    }
  }

  const std::pair<Millis, const char*> durations[] = {
      {config.upstream.connect_timeout, "upstream.connect_timeout"},
      {config.upstream.response_timeout, "upstream.response_timeout"},
      {config.upstream.stream_idle_timeout, "upstream.stream_idle_timeout"},
      {config.upstream.pool_idle_timeout, "upstream.pool_idle_timeout"},
      {config.limits.header_timeout, "limits.header_timeout"},
      {config.limits.body_timeout, "limits.body_timeout"},
      {config.limits.idle_timeout, "limits.idle_timeout"},
      {config.streaming.heartbeat, "streaming.heartbeat"},
      {config.streaming.replay_ttl, "streaming.replay_ttl"},
      {config.streaming.token_ttl, "streaming.token_ttl"},
      {config.streaming.retry_hint, "streaming.retry_hint"},
      {config.sessions.idempotency_ttl, "sessions.idempotency_ttl"},
      {config.shutdown.grace, "shutdown.grace"},
      {config.sessions.purge_interval, "sessions.purge_interval"},
      {config.retry.initial_backoff, "retry.initial_backoff"},
      {config.retry.max_backoff, "retry.max_backoff"},
      {config.retry.deadline, "retry.deadline"},
      {config.retry.max_retry_after, "retry.max_retry_after"},
      {config.queue.max_wait, "queue.max_wait"},
  };
  for (const auto& [value, path] : durations) require_positive(value, path);

  if (config.queue.replicas == 0) throw ConfigError("queue.replicas", "must be at least 1");

  if (config.limits.max_body_bytes == 0) {
    throw ConfigError("limits.max_body_bytes", "must be greater than 0");
  }
  if (config.limits.max_header_bytes < 1024) {
    throw ConfigError("limits.max_header_bytes", "must be at least 1KiB");
  }

  // Upstream never takes more than 10MiB of base64 for one image.
  if (config.images.max_bytes == 0 || config.images.max_bytes > 10 * 1024 * 1024) {
    throw ConfigError("images.max_bytes", "must be between 1 byte and 10MiB");
  }

  if (config.retry.max_backoff < config.retry.initial_backoff) {
    throw ConfigError("retry.max_backoff", "must not be less than retry.initial_backoff");
  }
  // The cap exists so that upstream cannot stop the gateway; an hour is already an outage.
  if (config.retry.max_retry_after > std::chrono::hours(1)) {
    throw ConfigError("retry.max_retry_after", "must be at most 1h");
  }

  const std::string& level = config.log.level;
  if (level != "debug" && level != "info" && level != "warn" && level != "error") {
    throw ConfigError("log.level",
                      "expected one of debug, info, warn, error, got \"" + level + "\"");
  }

  for (std::size_t i = 0; i < config.models.no_prefill.size(); ++i) {
    if (config.models.no_prefill[i].empty()) {
      throw ConfigError("models.no_prefill[" + std::to_string(i) + "]", "must not be empty");
    }
  }

  if (config.streaming.replay_max_bytes_per_turn < 64 * 1024) {
    throw ConfigError("streaming.replay_max_bytes_per_turn", "must be at least 64KiB");
  }
  if (config.streaming.replay_max_bytes < config.streaming.replay_max_bytes_per_turn) {
    throw ConfigError("streaming.replay_max_bytes",
                      "must not be less than streaming.replay_max_bytes_per_turn");
  }
  if (!config.streaming.token_secret.empty() && config.streaming.token_secret.size() < 32) {
    throw ConfigError("streaming.token_secret",
                      "must be at least 32 characters (or empty: a random one per start)");
  }
  for (std::size_t i = 0; i < config.cors.allowed_origins.size(); ++i) {
    const std::string& o = config.cors.allowed_origins[i];
    const auto scheme_end = o.find("://");
    const bool scheme = o.starts_with("http://") || o.starts_with("https://");
    const std::string host = scheme ? o.substr(scheme_end + 3) : std::string();
    if (o != "*" && (!scheme || host.empty() || host.find_first_of("/ ,?#") != std::string::npos)) {
      throw ConfigError("cors.allowed_origins[" + std::to_string(i) + "]",
                        "expected an origin such as https://app.example.com (scheme, host, "
                        "optional port, no path) or \"*\", got \"" +
                            o + "\"");
    }
  }
  if (!config.playground.dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(config.playground.dir, ec)) {
      throw ConfigError("playground.dir", "no such folder: \"" + config.playground.dir + "\"");
    }
  }

  validate_auth(config);
  validate_store(config);
}

}  // namespace gw
