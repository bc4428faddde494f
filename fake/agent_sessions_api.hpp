#pragma once

// The managed-agents sessions beta (`/v1/sessions`, `client.beta.sessions` in the SDKs),
// kept small: create, list, retrieve and delete, with upstream's shapes and its beta
// header required. Nothing runs in them; a session stays `idle`.

#include "fake/resource_api.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace gw::fake {

class AgentSessionsApi {
 public:
  Reply handle(const ResourceRequest& request);
  void clear();

 private:
  struct Session {
    std::string id;
    std::string json;  // the session object as created
  };

  Reply create(const ResourceRequest& r);
  Reply list(const ResourceRequest& r);

  std::mutex mutex_;
  std::vector<Session> sessions_;  // oldest first
};

}  // namespace gw::fake
