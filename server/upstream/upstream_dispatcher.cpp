#include "server/upstream/upstream_dispatcher.hpp"

#include "server/common/log.hpp"
#include "server/upstream/upstream_errors.hpp"

namespace gw {

UpstreamDispatcher::UpstreamDispatcher(const Config&) {}

boost::asio::awaitable<Dispatched> UpstreamDispatcher::send(UpstreamCall& call,
                                                            const UpstreamRequest& request,
                                                            const DispatchInfo&, RequestLog& log) {
  Dispatched out;
  log.upstream_attempts += 1;
  if (auto ec = co_await call.send(request)) {
    log::warn("upstream request failed", {{"request_id", log.request_id}, {"error", ec.message()}});
    out.error = upstream_transport_error(ec);
    co_return out;
  }
  log.upstream_request_id = std::string(call.headers()["request-id"]);
  if (call.status() == 401) {
    log::error("upstream rejected the gateway's API key: check upstream.api_key",
               {{"request_id", log.request_id}, {"upstream_request_id", log.upstream_request_id}});
    call.abort();
    out.error = upstream_credentials_rejected();
  }
  co_return out;
}

void UpstreamDispatcher::finished(const DispatchInfo&, std::uint64_t) {}

}  // namespace gw
