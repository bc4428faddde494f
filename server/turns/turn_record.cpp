#include "server/turns/turn_record.hpp"

namespace gw {

std::string_view to_string(TurnStatus status) {
  switch (status) {
    case TurnStatus::queued:
      return "queued";
    case TurnStatus::running:
      return "running";
    case TurnStatus::completed:
      return "completed";
    case TurnStatus::failed:
      return "failed";
    case TurnStatus::cancelled:
      return "cancelled";
  }
  return "failed";
}

TurnStatus TurnRecord::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

bool TurnRecord::ended() const {
  std::lock_guard lock(mutex_);
  return outcome_.has_value();
}

void TurnRecord::set_running() {
  std::lock_guard lock(mutex_);
  if (status_ == TurnStatus::queued) status_ = TurnStatus::running;
}

void TurnRecord::finish(TurnOutcome outcome) {
  {
    std::lock_guard lock(mutex_);
    if (outcome_) return;
    status_ = outcome.status;
    outcome_ = std::move(outcome);
    cancel_hook_ = nullptr;
  }
  log_.close();
}

std::optional<TurnOutcome> TurnRecord::outcome() const {
  std::lock_guard lock(mutex_);
  return outcome_;
}

void TurnRecord::request_cancel() {
  std::function<void()> hook;
  {
    std::lock_guard lock(mutex_);
    if (outcome_ || cancel_requested_) return;
    cancel_requested_ = true;
    hook = cancel_hook_;
  }
  if (hook) hook();
}

void TurnRecord::on_cancel(std::function<void()> hook) {
  bool now = false;
  {
    std::lock_guard lock(mutex_);
    cancel_hook_ = hook;
    now = cancel_requested_ && !outcome_;
  }
  if (now && hook) hook();
}

bool TurnRecord::cancel_requested() const {
  std::lock_guard lock(mutex_);
  return cancel_requested_;
}

}  // namespace gw
