#include "server/passthrough/passthrough_routes.hpp"

#include "server/common/json_input.hpp"
#include "server/passthrough/upstream_relay.hpp"
#include "server/queue/token_estimate.hpp"
#include "server/upstream/header_rules.hpp"
#include "server/upstream/loop_guard.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gw {

namespace {

// A key limited to some models may only name those. Checked before anything goes
// upstream; the body itself is never rewritten.
std::optional<ApiError> check_body(const std::string& body, const ClientKey* key, bool estimate,
                                   DispatchInfo& info) {
  auto parsed = parse_client_json(body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  const auto& value = std::get<boost::json::value>(parsed);
  if (!value.is_object()) return invalid_request("The request body must be a JSON object");
  const auto& object = value.as_object();
  if (const auto* stream = object.if_contains("stream"); stream && stream->is_bool()) {
    info.stream = stream->as_bool();
  }
  if (const auto* max = object.if_contains("max_tokens"); max && max->is_int64()) {
    info.max_output_tokens = static_cast<std::uint64_t>(std::max<std::int64_t>(0, max->as_int64()));
  }
  if (estimate) info.input_tokens = estimate_input_tokens(object);
  const auto* model = object.if_contains("model");
  if (!model || !model->is_string()) return std::nullopt;  // upstream names the problem
  return refuse_model(key, model->as_string());
}

}  // namespace

PassthroughRoutes::PassthroughRoutes(std::vector<std::unique_ptr<UpstreamClient>>& clients,
                                     UpstreamDispatcher& dispatcher, const ClientAuth& auth,
                                     std::string upstream_api_key)
    : clients_(clients),
      dispatcher_(dispatcher),
      auth_(auth),
      api_key_(std::move(upstream_api_key)) {}

void PassthroughRoutes::add_to(Router& router) {
  router.add(http::verb::post, "/v1/messages", "messages",
             [this](Exchange& ex) { return forward(ex, true); });
  router.add(http::verb::post, "/v1/messages/count_tokens", "count_tokens",
             [this](Exchange& ex) { return forward(ex, true); });
  router.add(http::verb::get, "/v1/models", "models",
             [this](Exchange& ex) { return forward(ex, false); });
  router.add(http::verb::get, "/v1/models/{id}", "model",
             [this](Exchange& ex) { return forward(ex, false); });
}

asio::awaitable<void> PassthroughRoutes::forward(Exchange& ex, bool json_body) {
  if (auto loop = check_request_loop(ex.request().base())) {
    co_await ex.respond_error(*loop);
    co_return;
  }
  auto who = auth_.authenticate(ex.request().base());
  if (auto* err = std::get_if<ApiError>(&who)) {
    co_await ex.respond_error(*err);
    co_return;
  }
  const ClientKey* key = std::get<const ClientKey*>(who);
  ex.log().client_key = key ? key->name : "anonymous";
  DispatchInfo info;
  info.client_key = ex.log().client_key;
  info.read_body = true;
  if (json_body) {
    // count_tokens has a budget of its own upstream; only messages spend input tokens.
    const bool estimate = ex.log().route == "messages";
    if (auto err = check_body(ex.request().body(), key, estimate, info)) {
      co_await ex.respond_error(*err);
      co_return;
    }
  }
  UpstreamRequest up;
  up.method = ex.request().method();
  up.target = std::string(ex.request().target());
  up.headers = upstream_request_headers(ex.request().base(), api_key_);
  up.body = std::move(ex.request().body());
  co_await relay_upstream(ex, *clients_[ex.worker()], dispatcher_, up, info);
}

}  // namespace gw
