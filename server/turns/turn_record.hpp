#pragma once

#include "server/http/http_types.hpp"
#include "server/turns/turn_event_log.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace gw {

enum class TurnStatus { queued, running, completed, failed, cancelled };
std::string_view to_string(TurnStatus status);

// How a turn ended, as its POST would have answered it: the 200 message, or the error
// (upstream's own status, headers and body when it was upstream's answer).
struct TurnOutcome {
  TurnStatus status = TurnStatus::failed;
  StringResponse response;
  // For the access log of whoever answers with it.
  int upstream_attempts = 0;
  double queue_wait_ms = 0;
  std::chrono::steady_clock::duration upstream_wait{};
  std::string upstream_request_id;
  std::string error_type;
};

// One turn, from the POST that started it until it expires: its status, its events and
// its outcome. Shared by the turn that runs it and by everyone who reads it (the POST, a
// repeat with the same Idempotency-Key, GET turn, events_url); thread-safe.
class TurnRecord {
 public:
  TurnRecord(std::string id, std::string session_id, std::string owner, bool background,
             std::size_t max_log_bytes)
      : id_(std::move(id)),
        session_id_(std::move(session_id)),
        owner_(std::move(owner)),
        background_(background),
        log_(max_log_bytes) {}

  const std::string& id() const { return id_; }
  const std::string& session_id() const { return session_id_; }
  const std::string& owner() const { return owner_; }
  bool background() const { return background_; }
  TurnEventLog& log() { return log_; }
  const TurnEventLog& log() const { return log_; }

  TurnStatus status() const;
  bool ended() const;
  // Set once admission let the turn's first upstream call go.
  void set_running();
  // The turn is over: its outcome is kept and every reader of the log wakes to the end.
  void finish(TurnOutcome outcome);
  std::optional<TurnOutcome> outcome() const;

  // Asks the running turn to stop (an explicit cancel, a foreground client gone, or
  // shutdown). The runner installs how: it posts to the turn's own executor.
  void request_cancel();
  void on_cancel(std::function<void()> hook);
  bool cancel_requested() const;

  // The Idempotency-Key this turn was started with, and a digest of its body.
  std::string idempotency_key;
  std::string body_digest;

 private:
  const std::string id_;
  const std::string session_id_;
  const std::string owner_;
  const bool background_;
  TurnEventLog log_;
  mutable std::mutex mutex_;
  TurnStatus status_ = TurnStatus::queued;
  std::optional<TurnOutcome> outcome_;
  std::function<void()> cancel_hook_;
  bool cancel_requested_ = false;
};

}  // namespace gw
