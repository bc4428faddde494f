#pragma once

#include "server/common/api_error.hpp"
#include "server/config/config.hpp"
#include "server/http/request_log.hpp"
#include "server/upstream/upstream_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace gw {

// Who is asking and what the request may cost: what admission needs to know.
struct DispatchInfo {
  std::string client_key = "anonymous";  // the key's name: fairness, per-key limits, metrics
  std::uint64_t input_tokens = 0;        // estimate from the request body
  std::uint64_t max_output_tokens = 0;   // reserved until the reply's usage is known
  bool stream = false;
};

// What getting a response out of upstream came to.
struct Dispatched {
  // Set when there is no upstream response to relay; the client gets this error.
  std::optional<ApiError> error;
  // Streams only: body bytes already read from `call` (the first events) that the caller
  // must process before reading on.
  std::string stream_prelude;
};

// The single way out to the Messages API for every route: admission and the retry policy
// sit here, so pass-through and session turns obey the same limits.
class UpstreamDispatcher {
 public:
  explicit UpstreamDispatcher(const Config& config);

  // Sends `request` on `call`. On success `call` holds a response head: a 2xx, or an
  // upstream error status the caller relays as is. An upstream 401 (the gateway's own key
  // is bad) and transport failures come back as `error`.
  boost::asio::awaitable<Dispatched> send(UpstreamCall& call, const UpstreamRequest& request,
                                          const DispatchInfo& info, RequestLog& log);

  // The call is over; `output_tokens` is what the reply's usage said (0 if unknown).
  void finished(const DispatchInfo& info, std::uint64_t output_tokens);
};

}  // namespace gw
