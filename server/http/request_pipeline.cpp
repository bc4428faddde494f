#include "server/http/request_pipeline.hpp"

#include "server/common/blocking_pool.hpp"
#include "server/common/log.hpp"
#include "server/http/client_body.hpp"

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

// 404 for an unknown path, else 405 with Allow: `method` is not served there.
Outcome no_route(const Exchange& ex, const Router::Match& match, std::string_view method) {
  const auto& req = ex.request();
  const std::string path(path_of(req.target()));
  if (match.allow.empty()) return not_found("no route for " + path);
  ApiError e = invalid_request(std::string(method) + " is not allowed on " + path +
                               "; allowed: " + match.allow);
  e.status = http::status::method_not_allowed;
  StringResponse res{e.status, req.version()};
  res.set(http::field::allow, match.allow);
  res.set(http::field::content_type, "application/json");
  res.body() = error_body(e, ex.request_id());
  return res;
}

// A whole response that is an error names its type in the access log, unless the handler
// already did.
void log_error_status(Exchange& ex, const StringResponse& res) {
  if (res.result_int() >= 400 && ex.log().error_type.empty()) {
    ex.log().error_type = std::string(error_type_for_status(res.result_int()));
  }
}

asio::awaitable<void> render(Exchange& ex, Outcome& outcome) {
  if (ex.responded() || ex.client_left()) co_return;
  if (outcome.was_answered()) {
    // A handler that said it answered and did not: a bug, but the client still hears.
    co_await ex.respond_error(internal_error("the gateway failed to handle this request"));
  } else if (const auto* e = outcome.error()) {
    co_await ex.respond_error(*e);
  } else if (auto* res = outcome.response()) {
    log_error_status(ex, *res);
    co_await ex.respond(std::move(*res));
  } else if (auto* relayed = outcome.relayed()) {
    log_error_status(ex, relayed->response);
    co_await ex.respond(std::move(relayed->response), &relayed->head);
  } else if (auto* json = outcome.json_body()) {
    co_await ex.respond_json(json->status, std::move(json->body));
  }
}

}  // namespace

RequestPipeline::PathMethods RequestPipeline::methods_at(std::string_view path) const {
  PathMethods out;
  for (auto verb : {http::verb::get, http::verb::post, http::verb::put, http::verb::patch,
                    http::verb::delete_}) {
    const auto m = router_.match(verb, path);
    if (!m.route) continue;
    if (!out.methods.empty()) out.methods += ", ";
    out.methods += http::to_string(verb);
    out.browser = out.browser || cors_applies(*m.route);
  }
  return out;
}

Router::Match RequestPipeline::route(Exchange& ex) const {
  const auto& req = ex.request();
  if (CorsPolicy::is_preflight(req)) {
    // Not the request itself: whatever route takes OPTIONS there (the forward route takes
    // every method) never sees it.
    ex.log().route = "cors_preflight";
    return {};
  }
  const std::string_view path = path_of(req.target());
  auto match = router_.match(req.method(), path);
  ex.log().route = match.name.empty() ? "unmatched" : std::string(match.name);
  // A 405 on a browser route is an answer the page should be able to read too.
  const bool browser =
      match.route ? cors_applies(*match.route) : !match.allow.empty() && methods_at(path).browser;
  if (browser) {
    for (auto& [name, value] : cors_.response_headers(req)) {
      ex.add_response_header(std::move(name), std::move(value));
    }
  }
  return match;
}

Outcome RequestPipeline::preflight(Exchange& ex) const {
  const auto& req = ex.request();
  const std::string_view path = path_of(req.target());
  const std::string_view method = req[http::field::access_control_request_method];
  const auto asked = router_.match(CorsPolicy::requested_method(req), path);
  const PathMethods at = methods_at(path);
  if (asked.route ? !cors_applies(*asked.route) : !at.browser) {
    // An operations path (or none): OPTIONS is answered as any request would be.
    return no_route(ex, router_.match(req.method(), path), req.method_string());
  }
  if (!asked.route) {
    // The request itself would get 405: so does the question, readable by an allowed page.
    for (auto& [name, value] : cors_.response_headers(req)) {
      ex.add_response_header(std::move(name), std::move(value));
    }
    return no_route(ex, asked, method);
  }
  std::string methods = at.methods;
  if ((", " + methods + ", ").find(", " + std::string(method) + ", ") == std::string::npos) {
    methods += ", ";  // a method of its own, which the forward route takes too
    methods += method;
  }
  auto answer = cors_.preflight(req, methods);
  for (auto& [name, value] : answer.headers) {
    ex.add_response_header(std::move(name), std::move(value));
  }
  if (!answer.allowed) {
    return permission_denied(
        "this origin may not call the gateway from a browser (see cors.allowed_origins)");
  }
  return StringResponse{http::status::no_content, req.version()};
}

std::optional<Outcome> RequestPipeline::refusal(Exchange& ex, const Router::Match& match) const {
  if (!match.route) return no_route(ex, match, ex.request().method_string());
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

asio::awaitable<std::optional<Outcome>> RequestPipeline::decode_form(Exchange& ex,
                                                                     const Route& route) const {
  auto& req = ex.request();
  const std::string content_type(req[http::field::content_type]);
  if (!is_multipart_form(content_type)) co_return std::nullopt;
  // Parsed as it arrives (http_server streams a form's body, within the body limit): a
  // malformed body is refused at the bytes that make it so, and the raw body is never
  // held beside its parts.
  FormIntake intake(content_type, form_limits_);
  std::size_t received = 0;
  if (ClientBody* body = ex.streamed_body()) {
    std::string piece;
    for (;;) {
      if (auto ec = co_await body->read(piece)) {
        ex.set_close();
        if (body->refusal()) co_return Outcome(*body->refusal());  // the body limit's 413
        co_return Outcome(invalid_request("the request body could not be read: " + ec.message()));
      }
      if (piece.empty()) break;  // the end
      received += piece.size();
      if (auto refused = intake.feed(piece)) co_return Outcome(std::move(*refused));
    }
  } else {
    received = req.body().size();
    if (auto refused = intake.feed(req.body())) co_return Outcome(std::move(*refused));
  }
  auto parts = intake.finish();
  if (auto* e = std::get_if<ApiError>(&parts)) co_return Outcome(std::move(*e));

  auto decode = [&] { return route.form(std::move(std::get<std::vector<FormPart>>(parts))); };
  std::variant<std::string, ApiError> decoded;
  std::string failure;
  try {
    // Base64 of megabytes of images: off the I/O thread when large.
    if (form_pool_) {
      decoded = co_await parse_off_io(*form_pool_, received, decode);
    } else {
      decoded = decode();
    }
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    log::error("form decoding failed", {{"request_id", ex.request_id()}, {"error", failure}});
    co_return Outcome(internal_error("the gateway failed to handle this request"));
  }
  if (auto* e = std::get_if<ApiError>(&decoded)) co_return Outcome(std::move(*e));
  req.body() = std::move(std::get<std::string>(decoded));
  req.set(http::field::content_type, "application/json");
  req.content_length(req.body().size());
  co_return std::nullopt;
}

asio::awaitable<void> RequestPipeline::run(Exchange& ex, Router::Match match) const {
  std::optional<Outcome> outcome;
  if (CorsPolicy::is_preflight(ex.request())) {
    outcome = preflight(ex);
  } else {
    outcome = refusal(ex, match);
  }
  if (!outcome && match.route && match.route->form)
    outcome = co_await decode_form(ex, *match.route);
  if (!outcome) outcome = co_await handle(ex, match);
  co_await render(ex, *outcome);
}

}  // namespace gw
