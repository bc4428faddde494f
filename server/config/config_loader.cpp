#include "server/config/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "server/config/config_error.hpp"
#include "server/config/config_validate.hpp"
#include "server/config/map_reader.hpp"
#include "server/config/value_parsers.hpp"

namespace gw {
namespace {

// One function per section: a new section is a struct in config.hpp, a function here and
// one read_section line in read_config.

void read_listen(const std::string& text, const std::string& path, Config::Listen& listen) {
  const auto parsed = parse_host_port(text);
  if (!parsed) {
    throw ConfigError(
        path, "expected host:port such as 127.0.0.1:8080 or [::1]:8080, got \"" + text + "\"");
  }
  listen.host = parsed->host;
  listen.port = parsed->port;
}

void read_upstream(MapReader& m, Config::Upstream& u) {
  m.read_string("base_url", u.base_url);
  m.read_string("api_key", u.api_key);
  m.read_string("ca_file", u.ca_file);
  m.read_duration("connect_timeout", u.connect_timeout);
  m.read_duration("response_timeout", u.response_timeout);
  m.read_duration("stream_idle_timeout", u.stream_idle_timeout);
  m.read_int("pool_max_idle", u.pool_max_idle, 0, 100'000);
  m.read_duration("pool_idle_timeout", u.pool_idle_timeout);
}

void read_limits(MapReader& m, Config::Limits& l) {
  m.read_size("max_body_bytes", l.max_body_bytes);
  m.read_size("max_header_bytes", l.max_header_bytes);
  m.read_duration("header_timeout", l.header_timeout);
  m.read_duration("body_timeout", l.body_timeout);
  m.read_duration("idle_timeout", l.idle_timeout);
  m.read_int("max_continuations", l.max_continuations, 0, 100);
  m.read_int("max_connections", l.max_connections, 0, 10'000'000);
}

void read_images(MapReader& m, Config::Images& i) {
  m.read_size("max_bytes", i.max_bytes);
  m.read_int("max_per_request", i.max_per_request, 1, 10'000);
  m.read_int("max_dimension", i.max_dimension, 1, 100'000);
  m.read_int("many_images", i.many_images, 0, 10'000);
  m.read_int("many_images_max_dimension", i.many_images_max_dimension, 1, 100'000);
}

constexpr std::int64_t kMaxRate = 1'000'000'000'000;

void read_retry(MapReader& m, Config::Retry& r) {
  m.read_int("max_retries", r.max_retries, 0, 100);
  m.read_duration("initial_backoff", r.initial_backoff);
  m.read_duration("max_backoff", r.max_backoff);
  m.read_scalar("multiplier", [&](const std::string& text, const std::string& path) {
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(v >= 1.0 && v <= 10.0)) {
      throw ConfigError(path, "expected a number from 1 to 10, got \"" + text + "\"");
    }
    r.multiplier = v;
  });
  m.read_duration("deadline", r.deadline);
  m.read_duration("max_retry_after", r.max_retry_after);
}

void read_queue(MapReader& m, Config::Queue& q) {
  m.read_int("max_concurrency", q.max_concurrency, 0, 1'000'000);
  m.read_int("requests_per_minute", q.requests_per_minute, 0, kMaxRate);
  m.read_int("input_tokens_per_minute", q.input_tokens_per_minute, 0, kMaxRate);
  m.read_int("output_tokens_per_minute", q.output_tokens_per_minute, 0, kMaxRate);
  m.read_int("max_depth", q.max_depth, 0, 10'000'000);
  m.read_duration("max_wait", q.max_wait);
  m.read_int("replicas", q.replicas, 1, 1'000);
}

void read_auth(MapReader& m, Config::Auth& a) {
  std::vector<ClientKey> keys;
  m.read_map_list("keys", [&](MapReader& item) {
    ClientKey key;
    item.read_string("name", key.name);
    item.read_string("key", key.key);
    item.read_string_list("models", key.models);
    item.read_int("requests_per_minute", key.requests_per_minute, 0, kMaxRate);
    item.read_int("max_concurrency", key.max_concurrency, 0, 1'000'000);
    keys.push_back(std::move(key));
  });
  a.keys = std::move(keys);
}

void read_store(MapReader& m, Config::Store& s) {
  m.read_string("backend", s.backend);
  m.read_string("data_dir", s.data_dir);
  m.read_string("synchronous", s.synchronous);
  m.read_int("threads", s.threads, 0, 64);
  m.read_size("context_cache", s.context_cache);
  m.read_section("redis", [&](MapReader& r) {
    r.read_string("url", s.redis.url);
    r.read_string("password", s.redis.password);
    r.read_string("ca_file", s.redis.ca_file);
    r.read_string("key_prefix", s.redis.key_prefix);
    r.read_duration("timeout", s.redis.timeout);
    r.read_int("pool_size", s.redis.pool_size, 1, 1024);
    r.read_duration("lock_ttl", s.redis.lock_ttl);
  });
}

void read_sessions(MapReader& m, Config::Sessions& s) {
  m.read_string("default_model", s.default_model);
  m.read_int("default_max_tokens", s.default_max_tokens, 1, 1'000'000);
  m.read_int("max_context_messages", s.max_context_messages, 0, 1'000'000);
  m.read_int("max_context_tokens", s.max_context_tokens, 0, 100'000'000);
  m.read_duration("ttl", s.ttl);
  m.read_duration("purge_interval", s.purge_interval);
  m.read_duration("idempotency_ttl", s.idempotency_ttl);
}

void read_streaming(MapReader& m, Config::Streaming& s) {
  m.read_duration("heartbeat", s.heartbeat);
  m.read_duration("replay_ttl", s.replay_ttl);
  m.read_size("replay_max_bytes_per_turn", s.replay_max_bytes_per_turn);
  m.read_size("replay_max_bytes", s.replay_max_bytes);
  m.read_size("outcome_max_bytes", s.outcome_max_bytes);
  m.read_string("token_secret", s.token_secret);
  m.read_duration("token_ttl", s.token_ttl);
  m.read_duration("retry_hint", s.retry_hint);
}

Config read_config(const YAML::Node& root, const EnvLookup& env) {
  Config config;
  MapReader m(root, "", env);
  m.read_scalar("listen", [&](const std::string& text, const std::string& path) {
    read_listen(text, path, config.listen);
  });
  m.read_int("threads", config.threads, 0, 256);
  m.read_section("upstream", [&](MapReader& s) { read_upstream(s, config.upstream); });
  m.read_section("retry", [&](MapReader& s) { read_retry(s, config.retry); });
  m.read_section("queue", [&](MapReader& s) { read_queue(s, config.queue); });
  m.read_section("limits", [&](MapReader& s) { read_limits(s, config.limits); });
  m.read_section("images", [&](MapReader& s) { read_images(s, config.images); });
  m.read_section("auth", [&](MapReader& s) { read_auth(s, config.auth); });
  m.read_section("store", [&](MapReader& s) { read_store(s, config.store); });
  m.read_section("sessions", [&](MapReader& s) { read_sessions(s, config.sessions); });
  m.read_section("streaming", [&](MapReader& s) { read_streaming(s, config.streaming); });
  m.read_section("cors", [&](MapReader& s) {
    s.read_string_list("allowed_origins", config.cors.allowed_origins);
  });
  m.read_section("playground", [&](MapReader& s) {
    s.read_bool("enabled", config.playground.enabled);
    s.read_string("dir", config.playground.dir);
  });
  m.read_section("shutdown",
                 [&](MapReader& s) { s.read_duration("grace", config.shutdown.grace); });
  m.read_section("log", [&](MapReader& s) {
    s.read_string("level", config.log.level);
    s.read_bool("access_log", config.log.access_log);
  });
  m.read_section("models",
                 [&](MapReader& s) { s.read_string_list("no_prefill", config.models.no_prefill); });
  m.finish();
  return config;
}

YAML::Node parse_yaml(std::string_view yaml) {
  try {
    return YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    // yaml-cpp counts from 0; editors count from 1.
    throw ConfigError(
        "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1),
        "invalid YAML: " + e.msg);
  }
}

}  // namespace

Config load_config_string(std::string_view yaml, const EnvLookup& env) {
  Config config = read_config(parse_yaml(yaml), env);
  validate_config(config);
  return config;
}

Config load_config_file(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path,
                      std::string("cannot read the configuration file: ") + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigError(path, "cannot read the configuration file");
  }
  try {
    return load_config_string(text.str(), env);
  } catch (const ConfigError& e) {
    // Field paths stand alone; a line number means little without the file it is in.
    if (e.path().starts_with("line ")) throw ConfigError(path + ": " + e.path(), e.problem());
    throw;
  }
}

}  // namespace gw
