#include "fake/fake_stats.hpp"

#include <boost/json.hpp>

#include <chrono>

namespace gw::fake {

std::string Stats::to_json() const {
  boost::json::object o;
  o["requests"] = requests;
  o["messages"] = messages;
  o["count_tokens"] = count_tokens;
  o["models"] = models;
  o["streams_started"] = streams_started;
  o["streams_completed"] = streams_completed;
  o["client_disconnects"] = client_disconnects;
  o["active_streams"] = active_streams;
  o["holding"] = holding;
  o["holds"] = holds;
  o["connections"] = connections;
  boost::json::array times;
  for (auto t : request_times_ms) times.push_back(t);
  o["request_times_ms"] = std::move(times);
  return boost::json::serialize(o);
}

void StatsCollector::stamp() {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::lock_guard lock(times_mutex_);
  times_.push_back(now);
  while (times_.size() > kMaxRequestTimes) times_.pop_front();
}

void StatsCollector::on_messages_request() {
  messages_.fetch_add(1, std::memory_order_relaxed);
  stamp();
}

void StatsCollector::on_count_tokens_request() {
  count_tokens_.fetch_add(1, std::memory_order_relaxed);
  stamp();
}

void StatsCollector::on_stream_started() {
  streams_started_.fetch_add(1, std::memory_order_relaxed);
  active_streams_.fetch_add(1, std::memory_order_relaxed);
}

void StatsCollector::on_stream_ended(bool completed) {
  if (completed) streams_completed_.fetch_add(1, std::memory_order_relaxed);
  active_streams_.fetch_sub(1, std::memory_order_relaxed);
}

Stats StatsCollector::snapshot() const {
  Stats s;
  s.requests = requests_.load();
  s.messages = messages_.load();
  s.count_tokens = count_tokens_.load();
  s.models = models_.load();
  s.streams_started = streams_started_.load();
  s.streams_completed = streams_completed_.load();
  s.client_disconnects = client_disconnects_.load();
  s.active_streams = active_streams_.load();
  std::lock_guard lock(times_mutex_);
  s.request_times_ms.assign(times_.begin(), times_.end());
  return s;
}

void StatsCollector::reset() {
  requests_ = 0;
  messages_ = 0;
  count_tokens_ = 0;
  models_ = 0;
  streams_started_ = 0;
  streams_completed_ = 0;
  client_disconnects_ = 0;
  // active_streams_ is left alone: streams in flight still end and decrement it.
  std::lock_guard lock(times_mutex_);
  times_.clear();
}

}  // namespace gw::fake
