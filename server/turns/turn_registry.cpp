#include "server/turns/turn_registry.hpp"

namespace gw {

TurnRegistry::TurnRegistry(const Config& config, Clock clock)
    : replay_ttl_(config.streaming.replay_ttl),
      keyed_ttl_(std::max(config.sessions.idempotency_ttl, config.streaming.replay_ttl)),
      plain_ttl_(std::max(config.streaming.token_ttl, config.streaming.replay_ttl)),
      max_log_bytes_(config.streaming.replay_max_bytes),
      max_turn_log_bytes_(config.streaming.replay_max_bytes_per_turn),
      clock_(std::move(clock)),
      max_outcome_bytes_(config.streaming.outcome_max_bytes) {}

TurnRegistry::TurnRegistry(const Config& config)
    : TurnRegistry(config, [] { return std::chrono::steady_clock::now(); }) {}

std::string TurnRegistry::key_of(const std::string& session_id, const std::string& owner,
                                 std::string_view key) {
  // Lengths first: no choice of key can make two different triples collide.
  return std::to_string(session_id.size()) + ":" + session_id + std::to_string(owner.size()) + ":" +
         owner + std::string(key);
}

TurnRegistry::Claim TurnRegistry::claim(std::string turn_id, const std::string& session_id,
                                        const std::string& owner, bool background,
                                        std::string_view key, std::string_view body_digest) {
  std::lock_guard lock(mutex_);
  sweep(clock_());
  if (!key.empty()) {
    auto it = by_key_.find(key_of(session_id, owner, key));
    if (it != by_key_.end()) {
      const bool same = it->second->body_digest == body_digest;
      return {same ? Claim::Kind::repeat : Claim::Kind::body_differs, it->second};
    }
  }
  auto record = std::make_shared<TurnRecord>(std::move(turn_id), session_id, owner, background,
                                             max_turn_log_bytes_);
  record->idempotency_key = std::string(key);
  record->body_digest = std::string(body_digest);
  by_id_.emplace(record->id(), record);
  if (!key.empty()) by_key_.emplace(key_of(session_id, owner, key), record);
  ++running_;
  if (mirror_) {
    mirror_->started(*record);
    record->log().set_observer(
        [m = mirror_, id = record->id()](const TurnEventLog::Events& e) { m->appended(id, e); });
  }
  return {Claim::Kind::created, record};
}

void TurnRegistry::withdraw(const std::shared_ptr<TurnRecord>& record, TurnOutcome refusal) {
  if (mirror_) mirror_->finished(*record, refusal.status);
  {
    std::lock_guard lock(mutex_);
    forget(*record);
    --running_;
  }
  idle_.notify_all();
  record->finish(std::move(refusal));
}

void TurnRegistry::finish(const std::shared_ptr<TurnRecord>& record, TurnOutcome outcome) {
  if (mirror_) mirror_->finished(*record, outcome.status);
  // What keeping the record costs: measured, about 2.5 KB beside its body (its log,
  // locks, maps' nodes and the answer's fields), so the bound is one of real memory.
  const std::size_t kept = 2560 + record->id().size() + record->session_id().size() +
                           record->idempotency_key.size() + record->body_digest.size() +
                           outcome.response.body().size();
  record->finish(std::move(outcome));
  {
    std::lock_guard lock(mutex_);
    const auto now = clock_();
    // Only a turn with events to replay is held for the replay window: held there, a
    // JSON turn's record outlived its result's bound by minutes.
    if (record->log().bytes() > 0) {
      finished_log_bytes_ += record->log().bytes();
      logs_.push_back({now, record});
    }
    (record->idempotency_key.empty() ? plain_outcomes_ : keyed_outcomes_)
        .push_back({now, record, kept});
    outcome_bytes_ += kept;
    --running_;
    sweep(now);
  }
  idle_.notify_all();
}

void TurnRegistry::forget(const TurnRecord& record) {
  by_id_.erase(record.id());
  if (record.idempotency_key.empty()) return;
  auto it = by_key_.find(key_of(record.session_id(), record.owner(), record.idempotency_key));
  if (it != by_key_.end() && it->second.get() == &record) by_key_.erase(it);
}

void TurnRegistry::sweep(std::chrono::steady_clock::time_point now) {
  // Events first by age, then the oldest while the total is over its bound.
  while (!logs_.empty() &&
         (logs_.front().at + replay_ttl_ <= now || finished_log_bytes_ > max_log_bytes_)) {
    finished_log_bytes_ -= logs_.front().record->log().drop_events();
    logs_.pop_front();
  }
  for (auto [outcomes, ttl] :
       {std::pair{&keyed_outcomes_, keyed_ttl_}, std::pair{&plain_outcomes_, plain_ttl_}}) {
    while (!outcomes->empty() && outcomes->front().at + ttl <= now) drop_oldest(*outcomes);
  }
  // Then the oldest results while they pass their bound, those no Idempotency-Key can ask
  // for again first: kept for the hour a token lasts and bounded by nothing else, they
  // grew the process by a kilobyte or more a turn for as long as turns kept coming.
  for (auto* outcomes : {&plain_outcomes_, &keyed_outcomes_}) {
    while (!outcomes->empty() && outcome_bytes_ > max_outcome_bytes_) drop_oldest(*outcomes);
  }
}

void TurnRegistry::drop_oldest(std::deque<Ended>& outcomes) {
  forget(*outcomes.front().record);
  outcome_bytes_ -= outcomes.front().bytes;
  outcomes.pop_front();
}

std::shared_ptr<TurnRecord> TurnRegistry::find(std::string_view turn_id) {
  std::lock_guard lock(mutex_);
  sweep(clock_());
  auto it = by_id_.find(std::string(turn_id));
  return it == by_id_.end() ? nullptr : it->second;
}

std::size_t TurnRegistry::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

std::size_t TurnRegistry::outcome_bytes() const {
  std::lock_guard lock(mutex_);
  return outcome_bytes_;
}

std::size_t TurnRegistry::finished_log_bytes() const {
  std::lock_guard lock(mutex_);
  return finished_log_bytes_;
}

void TurnRegistry::cancel_all() {
  std::vector<std::shared_ptr<TurnRecord>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : by_id_) all.push_back(record);
  }
  for (auto& record : all) record->request_cancel();
}

bool TurnRegistry::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [&] { return running_ == 0; });
}

}  // namespace gw
