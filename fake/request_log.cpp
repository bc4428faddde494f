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

void RequestLog::record(RecordedRequest request) {
  if (request.body.size() > kMaxBodyBytes) {
    request.body.resize(kMaxBodyBytes);
    request.body_truncated = true;
  }
  std::lock_guard lock(mutex_);
  requests_.push_back(std::move(request));
  while (requests_.size() > kMaxRequests) requests_.pop_front();
}

std::vector<RecordedRequest> RequestLog::last(std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::size_t n = (limit == 0 || limit > requests_.size()) ? requests_.size() : limit;
  return {requests_.end() - static_cast<std::ptrdiff_t>(n), requests_.end()};
}

void RequestLog::clear() {
  std::lock_guard lock(mutex_);
  requests_.clear();
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
    list.push_back(std::move(o));
  }
  boost::json::object root;
  root["requests"] = std::move(list);
  return boost::json::serialize(root);
}

}  // namespace gw::fake
