#pragma once

// What the fake has seen, for tests to assert on (GET /_fake/stats). Counters are atomics
// bumped from I/O threads; the request-time ring takes a short mutex.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace gw::fake {

struct Stats {
  std::uint64_t requests = 0;      // every request outside /_fake/
  std::uint64_t messages = 0;      // POST /v1/messages
  std::uint64_t count_tokens = 0;  // POST /v1/messages/count_tokens
  std::uint64_t models = 0;        // GET /v1/models and /v1/models/{id}
  std::uint64_t streams_started = 0;
  std::uint64_t streams_completed = 0;  // ended with message_stop and the last chunk
  // A client closed its connection while a stream was being sent or while a hang/slow
  // answer was pending.
  std::uint64_t client_disconnects = 0;
  std::int64_t active_streams = 0;
  // `hold` faults: replies held right now, and every reply ever held (filled in from the
  // HoldGate, not the collector).
  std::uint64_t holding = 0;
  std::uint64_t holds = 0;
  std::uint64_t connections = 0;               // accepted, ever (not reset)
  std::vector<std::int64_t> request_times_ms;  // epoch ms of /v1/messages* requests

  std::string to_json() const;
};

class StatsCollector {
 public:
  static constexpr std::size_t kMaxRequestTimes = 1000;

  void on_request() { requests_.fetch_add(1, std::memory_order_relaxed); }
  void on_messages_request();  // also stamps request_times_ms
  void on_count_tokens_request();
  void on_models_request() { models_.fetch_add(1, std::memory_order_relaxed); }
  void on_stream_started();
  void on_stream_ended(bool completed);
  void on_client_disconnect() { client_disconnects_.fetch_add(1, std::memory_order_relaxed); }

  Stats snapshot() const;
  void reset();

 private:
  void stamp();

  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> messages_{0};
  std::atomic<std::uint64_t> count_tokens_{0};
  std::atomic<std::uint64_t> models_{0};
  std::atomic<std::uint64_t> streams_started_{0};
  std::atomic<std::uint64_t> streams_completed_{0};
  std::atomic<std::uint64_t> client_disconnects_{0};
  std::atomic<std::int64_t> active_streams_{0};
  mutable std::mutex times_mutex_;
  std::deque<std::int64_t> times_;
};

}  // namespace gw::fake
