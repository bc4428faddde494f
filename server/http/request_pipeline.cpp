#include "server/http/request_pipeline.hpp"

#include "server/common/log.hpp"

#include <boost/url/parse.hpp>

namespace gw {

namespace {

std::string_view path_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

// The `token` query parameter, if the target has one.
std::optional<std::string> token_of(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  auto it = parsed->params().find("token");
  if (it == parsed->params().end()) return std::nullopt;
  return std::string((*it).value);
}

Outcome no_route(const Exchange& ex, const Router::Match& match) {
  const auto& req = ex.request();
  const std::string path(path_of(req.target()));
  if (match.allow.empty()) return not_found("no route for " + path);
  ApiError e = invalid_request(std::string(req.method_string()) + " is not allowed on " + path +
                               "; allowed: " + match.allow);
  e.status = http::status::method_not_allowed;
  StringResponse res{e.status, req.version()};
  res.set(http::field::allow, match.allow);
  res.set(http::field::content_type, "application/json");
  res.body() = error_body(e, ex.request_id());
  return res;
}

asio::awaitable<void> render(Exchange& ex, Outcome& outcome) {
  if (ex.responded() || ex.client_left()) co_return;
  if (outcome.was_answered()) {
    // A handler that said it answered and did not: a bug, but the client still hears.
    co_await ex.respond_error(internal_error("the gateway failed to handle this request"));
  } else if (const auto* e = outcome.error()) {
    co_await ex.respond_error(*e);
  } else if (auto* res = outcome.response()) {
    if (res->result_int() >= 400 && ex.log().error_type.empty()) {
      ex.log().error_type = std::string(error_type_for_status(res->result_int()));
    }
    co_await ex.respond(std::move(*res));
  } else if (auto* json = outcome.json_body()) {
    co_await ex.respond_json(json->status, std::move(json->body));
  }
}

}  // namespace

Router::Match RequestPipeline::route(Exchange& ex) const {
  auto match = router_.match(ex.request().method(), path_of(ex.request().target()));
  ex.log().route = match.name.empty() ? "unmatched" : std::string(match.name);
  return match;
}

std::optional<Outcome> RequestPipeline::refusal(Exchange& ex, const Router::Match& match) const {
  if (!match.route) return no_route(ex, match);
  if (match.route->access == Access::open) return std::nullopt;
  for (const auto& check : checks_) {
    if (auto refused = check(ex)) return std::move(*refused);
  }
  if (match.route->access == Access::capability) {
    if (auto token = token_of(ex.request().target())) {
      // Expired, tampered with, or for another resource: one answer for all, no oracle.
      auto owner = capability_ ? capability_(*token, match.params) : std::nullopt;
      if (!owner) return Outcome(not_found(std::string(kNotFoundOrNotYours)));
      ex.set_caller({nullptr, *owner});
      ex.log().client_key = *owner;
      return std::nullopt;
    }
  }
  auto who = auth_.authenticate(ex.request().base());
  if (auto* e = std::get_if<ApiError>(&who)) return std::move(*e);
  if (const ClientKey* key = std::get<const ClientKey*>(who)) ex.set_caller({key, key->name});
  ex.log().client_key = ex.caller().name;
  return std::nullopt;
}

asio::awaitable<Outcome> RequestPipeline::handle(Exchange& ex, Router::Match& match) const {
  for (auto& [k, v] : match.params) ex.params().emplace(k, v);
  std::string failure;
  try {
    co_return co_await match.route->handler(ex);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  log::error("handler failed", {{"request_id", ex.request_id()}, {"error", failure}});
  if (ex.responded()) ex.set_close();  // a response cut short: the connection is unusable
  co_return internal_error("the gateway failed to handle this request");
}

asio::awaitable<void> RequestPipeline::run(Exchange& ex, Router::Match match) const {
  auto outcome = refusal(ex, match);
  if (!outcome) outcome = co_await handle(ex, match);
  co_await render(ex, *outcome);
}

}  // namespace gw
