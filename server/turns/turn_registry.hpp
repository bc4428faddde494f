#pragma once

#include "server/config/config.hpp"
#include "server/turns/turn_mirror.hpp"
#include "server/turns/turn_record.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gw {

// The turns of this process: running ones, and finished ones for as long as a client may
// still ask for them (their events for streaming.replay_ttl, their outcome for
// sessions.idempotency_ttl with an Idempotency-Key, else streaming.token_ttl), bounded in bytes
// (streaming.replay_max_bytes). Thread-safe; the clock is injected so that expiry is tested without
// waiting.
class TurnRegistry {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  TurnRegistry(const Config& config, Clock clock);
  explicit TurnRegistry(const Config& config);

  struct Claim {
    enum class Kind {
      created,       // a new turn: the caller runs it
      repeat,        // the same Idempotency-Key and body as an earlier turn: that turn
      body_differs,  // the same key with another body (422)
    };
    Kind kind;
    std::shared_ptr<TurnRecord> record;
  };
  // Registers a new turn, or, for an Idempotency-Key (non-empty `key`) already used on
  // this session by this owner within its ttl, finds the turn that key started. Atomic:
  // two concurrent POSTs with one key never both create.
  Claim claim(std::string turn_id, const std::string& session_id, const std::string& owner,
              bool background, std::string_view key, std::string_view body_digest);
  // A created turn that was refused before it started (session unknown, a 409): gone as
  // if never claimed, its key free again. Whoever attached meanwhile hears `refusal`.
  void withdraw(const std::shared_ptr<TurnRecord>& record, TurnOutcome refusal);
  // The turn is over: its outcome recorded, readers woken, expiry clocks started.
  void finish(const std::shared_ptr<TurnRecord>& record, TurnOutcome outcome);

  std::shared_ptr<TurnRecord> find(std::string_view turn_id);

  // Copies every turn, from its claim on, to `mirror` (gateways sharing a Redis store).
  void mirror_to(TurnMirror* mirror) { mirror_ = mirror; }
  TurnMirror* mirror() const { return mirror_; }

  std::size_t running() const;
  // Bytes held by finished turns' event logs (running ones are bounded each).
  std::size_t finished_log_bytes() const;
  std::size_t outcome_bytes() const;
  // Asks every running turn to stop (shutdown after its grace).
  void cancel_all();
  // Blocks until no turn runs or `timeout` passed; true when none runs. Never on a worker.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  void sweep(std::chrono::steady_clock::time_point now);  // mutex held
  void forget(const TurnRecord& record);                  // mutex held
  static std::string key_of(const std::string& session_id, const std::string& owner,
                            std::string_view key);

  struct Ended {
    std::chrono::steady_clock::time_point at;
    std::shared_ptr<TurnRecord> record;
    std::size_t bytes = 0;  // outcomes: what keeping it costs (outcome_bytes_)
  };
  void drop_oldest(std::deque<Ended>& outcomes);  // mutex held

  const std::chrono::milliseconds replay_ttl_;
  // How long a finished turn's outcome is kept: for its Idempotency-Key's repeats, else
  // for as long as its events_url token (and GET turn) may ask.
  const std::chrono::milliseconds keyed_ttl_;
  const std::chrono::milliseconds plain_ttl_;
  const std::size_t max_log_bytes_;
  const std::size_t max_turn_log_bytes_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::unordered_map<std::string, std::shared_ptr<TurnRecord>> by_id_;
  std::unordered_map<std::string, std::shared_ptr<TurnRecord>> by_key_;
  std::size_t running_ = 0;
  // Finished turns in the order they ended: those whose events are still kept, and all
  // of them until their outcome expires.
  std::deque<Ended> logs_;
  std::deque<Ended> keyed_outcomes_;
  std::deque<Ended> plain_outcomes_;
  std::size_t finished_log_bytes_ = 0;
  const std::size_t max_outcome_bytes_;
  std::size_t outcome_bytes_ = 0;
  TurnMirror* mirror_ = nullptr;
};

}  // namespace gw
