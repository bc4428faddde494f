#include "fake/request_log.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>

namespace gw::fake {

std::string RecordedRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (boost::beast::iequals(n, name)) return v;
  }
  return {};
}

std::uint64_t RequestLog::record(RecordedRequest request) {
  if (request.body.size() > kMaxBodyBytes) {
    request.body.resize(kMaxBodyBytes);
    request.body_truncated = true;
  }
  std::lock_guard lock(mutex_);
  request.sequence = next_sequence_++;
  std::uint64_t sequence = request.sequence;
  requests_.push_back(std::move(request));
  while (requests_.size() > kMaxRequests) requests_.pop_front();
  return sequence;
}

void RequestLog::set_response(std::uint64_t sequence, unsigned status, std::string body,
                              std::vector<std::pair<std::string, std::string>> headers) {
  if (body.size() > kMaxBodyBytes) body.resize(kMaxBodyBytes);
  std::lock_guard lock(mutex_);
  // Sequences ascend through the deque, and the one asked for is almost always the last.
  for (auto it = requests_.rbegin(); it != requests_.rend(); ++it) {
    if (it->sequence == sequence) {
      it->response_status = status;
      it->response_body = std::move(body);
      it->response_headers = std::move(headers);
      return;
    }
    if (it->sequence < sequence) return;
  }
}

std::vector<RecordedRequest> RequestLog::last(std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::size_t n = (limit == 0 || limit > requests_.size()) ? requests_.size() : limit;
  return {requests_.end() - static_cast<std::ptrdiff_t>(n), requests_.end()};
}

void RequestLog::clear() {
  std::lock_guard lock(mutex_);
  requests_.clear();  // next_sequence_ keeps counting so stale set_response calls miss
}

std::string RequestLog::to_json(const std::vector<RecordedRequest>& requests) {
  boost::json::array list;
  for (const auto& r : requests) {
    boost::json::object o;
    o["method"] = r.method;
    o["target"] = r.target;
    // Pairs, not an object: repeated headers (anthropic-beta) and spelling must survive.
    boost::json::array headers;
    for (const auto& [n, v] : r.headers) headers.push_back(boost::json::array{n, v});
    o["headers"] = std::move(headers);
    o["body"] = r.body;
    o["body_truncated"] = r.body_truncated;
    o["time_ms"] = r.time_ms;
    o["response_request_id"] = r.response_request_id;
    o["response_status"] = r.response_status;
    o["response_body"] = r.response_body;
    boost::json::array response_headers;
    for (const auto& [n, v] : r.response_headers) {
      response_headers.push_back(boost::json::array{n, v});
    }
    o["response_headers"] = std::move(response_headers);
    list.push_back(std::move(o));
  }
  boost::json::object root;
  root["requests"] = std::move(list);
  return boost::json::serialize(root);
}

}  // namespace gw::fake
