#include "server/passthrough/passthrough_routes.hpp"

#include "server/common/blocking_pool.hpp"
#include "server/common/json_input.hpp"
#include "server/common/uri_chars.hpp"
#include "server/http/client_body.hpp"
#include "server/passthrough/upstream_relay.hpp"
#include "server/queue/token_estimate.hpp"
#include "server/upstream/header_rules.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gw {

namespace {

// A key limited to some models may only name those, and every image must pass
// upstream's rules. Checked before anything goes upstream (a refused image costs
// nothing); the body itself is never rewritten.
std::optional<ApiError> check_body(const std::string& body, const Caller& caller, bool estimate,
                                   const vision::ImageLimits& images, DispatchInfo& info) {
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
  // A model missing or of the wrong type: upstream names the problem.
  if (model && model->is_string()) {
    if (auto e = caller.may_use(model->as_string())) return e;
  }
  return vision::check_request_images(object, images);
}

// Every model a body names, where the Messages API's calls put one: `model` at the top
// (messages, count_tokens) and in each request of a batch (`requests[].params.model`).
std::optional<ApiError> refuse_named_models(const boost::json::value& body, const Caller& caller) {
  if (!body.is_object()) return std::nullopt;
  const auto& o = body.as_object();
  if (const auto* model = o.if_contains("model"); model && model->is_string()) {
    if (auto e = caller.may_use(model->as_string())) return e;
  }
  const auto* requests = o.if_contains("requests");
  if (!requests || !requests->is_array()) return std::nullopt;
  for (const auto& r : requests->as_array()) {
    const auto* params = r.is_object() ? r.as_object().if_contains("params") : nullptr;
    if (params) {
      if (auto e = refuse_named_models(*params, caller)) return e;
    }
  }
  return std::nullopt;
}

bool idempotent(http::verb method) {
  return method == http::verb::get || method == http::verb::head || method == http::verb::options;
}

// The piece of a streamed body already read, then the rest as it comes.
class PrefixedBody : public BodySource {
 public:
  PrefixedBody(std::string first, BodySource& rest) : first_(std::move(first)), rest_(rest) {}
  asio::awaitable<boost::system::error_code> read(std::string& out) override {
    if (!first_.empty()) {
      out.swap(first_);
      first_.clear();
      co_return boost::system::error_code{};
    }
    co_return co_await rest_.read(out);
  }
  std::optional<std::uint64_t> length() const override { return rest_.length(); }

 private:
  std::string first_;
  BodySource& rest_;
};

}  // namespace

PassthroughRoutes::PassthroughRoutes(std::vector<std::unique_ptr<UpstreamClient>>& clients,
                                     UpstreamDispatcher& dispatcher, BlockingPool& blocking,
                                     std::string upstream_api_key, vision::ImageLimits images)
    : clients_(clients),
      dispatcher_(dispatcher),
      blocking_(blocking),
      api_key_(std::move(upstream_api_key)),
      images_(images) {}

void PassthroughRoutes::add_to(Router& router) {
  auto json = [this](Exchange& ex) { return forward(ex, true); };
  auto bodiless = [this](Exchange& ex) { return forward(ex, false); };
  router.add({http::verb::post, "/v1/messages", "messages", Access::client, json});
  router.add({http::verb::post, "/v1/messages/count_tokens", "count_tokens", Access::client, json});
  router.add({http::verb::get, "/v1/models", "models", Access::client, bodiless});
  router.add({http::verb::get, "/v1/models/{id}", "model", Access::client, bodiless});
  // Everything else of the Messages API (batches, files, betas, what comes next), any
  // method, its body passed on as it arrives.
  router.add({kAnyMethod, "/v1/{path*}", "forward", Access::client,
              [this](Exchange& ex) { return forward_any(ex); }, Body::streamed});
}

asio::awaitable<Outcome> PassthroughRoutes::forward(Exchange& ex, bool json_body) {
  DispatchInfo info;
  info.client_key = ex.caller().name;
  info.read_body = true;
  if (json_body) {
    // count_tokens has a budget of its own upstream; only messages spend input tokens.
    const bool estimate = ex.log().route == "messages";
    const std::string& body = ex.request().body();
    auto refused = co_await parse_off_io(blocking_, body.size(), [&] {
      return check_body(body, ex.caller(), estimate, images_, info);
    });
    if (refused) co_return *refused;
  }
  UpstreamRequest up;
  up.method = ex.request().method();
  up.target = std::string(ex.request().target());
  up.headers = upstream_request_headers(ex.request().base(), api_key_);
  up.body = std::move(ex.request().body());
  co_return co_await relay_upstream(ex, *clients_[ex.worker()], dispatcher_, up, info);
}

asio::awaitable<Outcome> PassthroughRoutes::forward_any(Exchange& ex) {
  if (!only_uri_characters(ex.request().target())) {
    co_return invalid_request("the request target holds a character no URI may (encode it)");
  }
  UpstreamRequest up;
  up.method = ex.request().method();
  up.method_name = std::string(ex.request().method_string());
  up.target = std::string(ex.request().target());
  up.headers = upstream_request_headers(ex.request().base(), api_key_);
  DispatchInfo info;
  info.client_key = ex.caller().name;
  info.admit = false;
  info.read_body = false;

  // A body that arrives whole in its first piece (a batch, a JSON call) is held: it can be
  // checked and replayed. A larger one (an upload) is passed on as it comes, once.
  ClientBody& body = *ex.streamed_body();
  std::string first;
  if (auto ec = co_await body.read(first)) {
    ex.set_close();
    if (body.refusal()) co_return *body.refusal();
    co_return invalid_request("the request body could not be read: " + ec.message());
  }
  std::optional<PrefixedBody> rest;
  if (body.complete()) {
    if (!first.empty() && ex.request()[http::field::content_type].starts_with("application/json")) {
      auto parsed = parse_client_json(first);
      if (auto* e = std::get_if<ApiError>(&parsed)) co_return *e;
      if (auto e = refuse_named_models(std::get<boost::json::value>(parsed), ex.caller())) {
        co_return *e;
      }
    }
    up.body = std::move(first);
    info.replay = idempotent(up.method) ? Replay::safe : Replay::when_told;
  } else {
    rest.emplace(std::move(first), body);
    up.source = &*rest;
    info.replay = Replay::never;
  }
  co_return co_await relay_upstream(ex, *clients_[ex.worker()], dispatcher_, up, info);
}

}  // namespace gw
