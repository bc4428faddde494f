#pragma once

#include "server/sse/sse_parser.hpp"
#include "server/upstream/upstream_events.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace gw {

// Where a relay hands upstream's events: a pass-through writes them through, a session
// turn stamps ids, builds the reply and writes them to its event stream.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // The events one read brought, in order. False: the consumer is gone (its write
  // failed); the relay stops and drops the upstream call.
  virtual boost::asio::awaitable<bool> deliver(std::vector<SseEvent>& batch) = 0;
};

// How an upstream stream ended.
struct RelayEnd {
  enum class How {
    complete,        // message_stop came: the reply is whole
    upstream_error,  // upstream's own `event: error` came (and was delivered)
    broken,          // the stream ended or failed before either; `why` says how
    consumer_gone,   // the sink refused a batch
  };
  How how;
  std::string why;
};

// Reads `events` to the end of the body, handing every batch to `sink`. The one relay
// loop of the gateway: every consumer of an upstream stream runs through it.
boost::asio::awaitable<RelayEnd> relay_events(UpstreamCall& call, UpstreamEvents& events,
                                              EventSink& sink);

}  // namespace gw
