#pragma once

#include "server/vision/image_limits.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gw {

using Millis = std::chrono::milliseconds;

// A named client key (API.md section 2). `models` empty means every model is allowed.
struct ClientKey {
  std::string name;
  std::string key;
  std::vector<std::string> models;
  // This key's own share of the upstream (0: only the gateway-wide limits apply).
  std::uint64_t requests_per_minute = 0;
  std::size_t max_concurrency = 0;
};

// The typed configuration. Every field is documented in config/gateway.example.yaml;
// defaults here are the ones a missing field takes.
struct Config {
  struct Listen {
    std::string host = "127.0.0.1";  // IPv4, or IPv6 without brackets
    std::uint16_t port = 8080;       // 0: pick a free port (tests)
  } listen;

  int threads = 0;  // I/O threads; 0: one per core

  struct Upstream {
    std::string base_url = "https://api.anthropic.com";
    std::string api_key;               // the gateway's own key; never a client's
    std::string ca_file;               // extra PEM bundle to trust; empty: the system bundle only
    Millis connect_timeout{5'000};     // TCP connect + TLS handshake
    Millis response_timeout{600'000};  // from request sent to response headers (and whole
                                       // body for non-streaming responses)
    Millis stream_idle_timeout{120'000};  // longest silence inside a streaming body
    std::size_t pool_max_idle = 64;       // idle keep-alive connections kept per upstream
    Millis pool_idle_timeout{60'000};     // an idle connection older than this is closed
  } upstream;

  // How a failed upstream attempt is retried (API.md section 1; the SDKs' policy).
  struct Retry {
    int max_retries = 2;          // attempts after the first; 0 disables retries
    Millis initial_backoff{500};  // first backoff when upstream gives no retry-after
    Millis max_backoff{8'000};    // backoff cap
    double multiplier = 2.0;      // backoff growth per retry
    Millis deadline{600'000};     // no retry starts later than this after the request came
    // Longest pause upstream may impose: a retry-after (429's shared cooldown and the wait
    // before the next attempt) or an exhausted anthropic-ratelimit-* reset is cut to this.
    Millis max_retry_after{60'000};
  } retry;

  // Admission in front of upstream: what does not fit waits, fairly, in a bounded queue.
  struct Queue {
    std::size_t max_concurrency = 256;           // upstream calls in flight; 0: unlimited
    std::uint64_t requests_per_minute = 0;       // 0: unlimited
    std::uint64_t input_tokens_per_minute = 0;   // estimated from the request; 0: unlimited
    std::uint64_t output_tokens_per_minute = 0;  // max_tokens reserved; 0: unlimited
    std::size_t max_depth = 10'000;              // waiting requests; beyond: 429
    Millis max_wait{60'000};                     // longest wait in the queue; beyond: 429
    // Gateways sharing the rate budget through Redis: each falls back to 1/replicas of it
    // while Redis is unreachable.
    std::uint64_t replicas = 1;
  } queue;

  struct Limits {
    std::size_t max_body_bytes = 32 * 1024 * 1024;  // larger request bodies get 413
    std::size_t max_header_bytes = 16 * 1024;       // request line + headers
    Millis header_timeout{10'000};  // a client must send its whole header within this
    Millis body_timeout{60'000};    // ... and its body within this
    Millis idle_timeout{60'000};    // keep-alive connection with no request is closed
    int max_continuations = 5;      // ceiling for a turn's continue_on_max_tokens
    // Connections served at once; beyond it idle keep-alive ones are closed first, then
    // new ones get 503. 0: derived from the descriptor limit (and always kept below it).
    std::size_t max_connections = 0;
  } limits;

  // Upstream's image limits, checked locally so that a refused image costs nothing.
  using Images = vision::ImageLimits;
  Images images;

  struct Auth {
    std::vector<ClientKey> keys;  // empty: anonymous, allowed only on a loopback listener
  } auth;

  struct Store {
    std::string backend = "sqlite";      // "sqlite" (durable, the default) or "memory"
    std::string data_dir = "data";       // the SQLite file lives here: <data_dir>/gateway.db
    std::string synchronous = "normal";  // SQLite synchronous pragma: "normal" or "full"
    // Blocking store calls run on this many threads; 0: 2, or with Redis (whose calls wait
    // on the network, not the CPU) one per pooled connection.
    int threads = 0;
    // backend "sqlite": bytes of messages kept in memory, so that a turn's context is not
    // read back from the file; 0: none.
    std::size_t context_cache = 8 * 1024 * 1024;
    // backend "redis": several gateways share sessions, turn locks, turn event logs and
    // the rate budget through one Redis.
    struct Redis {
      std::string url = "redis://127.0.0.1:6379/0";  // redis:// or rediss:// (TLS)
      std::string password;  // AUTH password (instead of the URL's); empty: none
      std::string ca_file;   // rediss: extra PEM bundle to trust
      std::string key_prefix = "gw:";
      Millis timeout{2'000};    // connect, and each command's answer
      int pool_size = 8;        // connections kept open
      Millis lock_ttl{30'000};  // a turn lock outlives a dead gateway this long at most
    } redis;
    int effective_threads() const {
      if (threads > 0) return threads;
      return backend == "redis" ? redis.pool_size : 2;
    }
  } store;

  struct Sessions {
    std::string default_model = "claude-sonnet-4-5";  // a session created without `model`
    int default_max_tokens = 1024;                    // ... and without `max_tokens`
    int max_context_messages = 100;                   // history messages sent upstream; 0: no limit
    int max_context_tokens = 0;          // estimated tokens of that history; 0: no limit
    Millis ttl{7LL * 24 * 3600 * 1000};  // idle sessions older than this are deleted; 0: never
    Millis purge_interval{60'000};       // how often idle sessions are looked for
    // A turn POST repeated with the same Idempotency-Key within this starts nothing new.
    Millis idempotency_ttl{24LL * 3600 * 1000};
  } sessions;

  struct Streaming {
    Millis heartbeat{15'000};    // ": keep-alive" comment during silences
    Millis replay_ttl{300'000};  // a finished turn's events are kept this long for resumes
    std::size_t replay_max_bytes_per_turn = 4 * 1024 * 1024;  // one turn's event log
    std::size_t replay_max_bytes = 256 * 1024 * 1024;         // all turns' event logs
    std::size_t outcome_max_bytes = 32 * 1024 * 1024;         // finished turns' results
    // Signs events_url capability tokens (HMAC-SHA256). Empty: a random secret made at
    // start (tokens then die with the process).
    std::string token_secret;
    Millis token_ttl{3'600'000};  // an events_url token is valid this long
    Millis retry_hint{2'000};     // EventSource's reconnect delay (the `retry:` field)
  } streaming;

  struct Cors {
    // Origins ("https://app.example.com") whose pages may call the gateway; "*" allows
    // any. Empty (the default): no cross-origin access.
    std::vector<std::string> allowed_origins;
  } cors;

  struct Playground {
    bool enabled = true;  // GET / serves the playground page
    std::string dir;      // serve its files from this folder; empty: the copy built in
  } playground;

  struct Shutdown {
    Millis grace{30'000};  // running requests and streams may finish within this
  } shutdown;

  struct Log {
    std::string level = "info";  // debug, info, warn, error
    bool access_log = true;      // one JSON line per request on stdout
  } log;

  struct Models {
    // Prefix match on the model id: these reject an assistant prefill.
    std::vector<std::string> no_prefill = {"claude-mythos-preview", "claude-opus-4-7",
                                           "claude-opus-4-6", "claude-sonnet-4-6"};
  } models;
};

}  // namespace gw
