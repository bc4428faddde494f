#pragma once

// Message Batches (`/v1/messages/batches`), as upstream answers them: create, list,
// retrieve, cancel, delete and the `.jsonl` results. Processing is instant and
// deterministic: a batch is `in_progress` when created and has ended (each request
// answered by the fake's own Messages API model) the first time it is retrieved by id;
// a batch cancelled before that ends with every request `canceled`.

#include "fake/resource_api.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace gw::fake {

class BatchesApi {
 public:
  Reply handle(const ResourceRequest& request, const FakeSettings& settings);
  void clear();

 private:
  struct Request {
    std::string custom_id;
    std::string params;  // JSON
  };
  struct Batch {
    std::string id;
    std::chrono::system_clock::time_point created_at;
    std::vector<Request> requests;
    std::string status = "in_progress";  // canceling, ended
    std::string cancel_initiated_at;     // empty: null
    std::string ended_at;                // empty: null
    std::size_t succeeded = 0, errored = 0, canceled = 0;
    std::string results;  // jsonl, once ended
  };

  Reply create(const ResourceRequest& r);
  Reply list(const ResourceRequest& r);
  void finish(Batch& b, const FakeSettings& settings);
  static std::string to_json(const Batch& b, const std::string& base_url);
  Batch* find(std::string_view id);

  std::mutex mutex_;
  std::vector<Batch> batches_;  // oldest first
};

}  // namespace gw::fake
