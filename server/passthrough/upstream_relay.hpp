#pragma once

#include "server/http/exchange.hpp"
#include "server/http/outcome.hpp"
#include "server/upstream/upstream_client.hpp"
#include "server/upstream/upstream_dispatcher.hpp"

namespace gw {

// Sends `request` upstream and relays the answer: status, relayed headers and body; a
// JSON body whole (the outcome), an event stream event by event as it arrives (written
// here). A client that leaves aborts the upstream call at once.
asio::awaitable<Outcome> relay_upstream(Exchange& ex, UpstreamClient& client,
                                        UpstreamDispatcher& dispatcher,
                                        const UpstreamRequest& request, const DispatchInfo& info);

}  // namespace gw
