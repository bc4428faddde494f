#pragma once

namespace gw {

// Marks an exception that means "a service this request needs is unreachable for now"
// (Redis down, reconnecting): the client gets 503 overloaded_error, not 500, and may retry.
// A mix-in, so that each layer keeps its own exception hierarchy.
class Unavailable {
 public:
  virtual ~Unavailable() = default;
};

}  // namespace gw
