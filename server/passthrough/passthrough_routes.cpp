#include "server/passthrough/passthrough_routes.hpp"

#include "server/common/json_input.hpp"
#include "server/passthrough/upstream_relay.hpp"
#include "server/queue/token_estimate.hpp"
#include "server/upstream/header_rules.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gw {

namespace {

// A key limited to some models may only name those. Checked before anything goes
// upstream; the body itself is never rewritten.
std::optional<ApiError> check_body(const std::string& body, const Caller& caller, bool estimate,
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
  return caller.may_use(model->as_string());
}

}  // namespace

PassthroughRoutes::PassthroughRoutes(std::vector<std::unique_ptr<UpstreamClient>>& clients,
                                     UpstreamDispatcher& dispatcher, std::string upstream_api_key)
    : clients_(clients), dispatcher_(dispatcher), api_key_(std::move(upstream_api_key)) {}

void PassthroughRoutes::add_to(Router& router) {
  auto json = [this](Exchange& ex) { return forward(ex, true); };
  auto bodiless = [this](Exchange& ex) { return forward(ex, false); };
  router.add({http::verb::post, "/v1/messages", "messages", Access::client, json});
  router.add({http::verb::post, "/v1/messages/count_tokens", "count_tokens", Access::client, json});
  router.add({http::verb::get, "/v1/models", "models", Access::client, bodiless});
  router.add({http::verb::get, "/v1/models/{id}", "model", Access::client, bodiless});
}

asio::awaitable<Outcome> PassthroughRoutes::forward(Exchange& ex, bool json_body) {
  DispatchInfo info;
  info.client_key = ex.caller().name;
  info.read_body = true;
  if (json_body) {
    // count_tokens has a budget of its own upstream; only messages spend input tokens.
    const bool estimate = ex.log().route == "messages";
    if (auto err = check_body(ex.request().body(), ex.caller(), estimate, info)) co_return *err;
  }
  UpstreamRequest up;
  up.method = ex.request().method();
  up.target = std::string(ex.request().target());
  up.headers = upstream_request_headers(ex.request().base(), api_key_);
  up.body = std::move(ex.request().body());
  co_return co_await relay_upstream(ex, *clients_[ex.worker()], dispatcher_, up, info);
}

}  // namespace gw
