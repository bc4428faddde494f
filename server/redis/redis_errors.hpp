#pragma once

#include "server/common/unavailable.hpp"

#include <stdexcept>

namespace gw {

// Redis cannot be reached, or did not answer in time: the request that needed it gets 503,
// and the client reconnects with backoff.
class RedisUnavailable : public std::runtime_error, public Unavailable {
 public:
  using std::runtime_error::runtime_error;
};

// Redis answered with an error reply where the caller expected none (a script bug, a
// wrong type under a key): a 500, the connection stays usable.
class RedisCommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gw
