#include "server/turns/turn_json.hpp"

#include <boost/json.hpp>

namespace gw {

namespace json = boost::json;

std::string events_url(const TurnTokens& tokens, const TurnRecord& record,
                       std::chrono::milliseconds ttl) {
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  TurnClaims claims{record.session_id(), record.id(), record.owner(), now + ttl.count()};
  return "/gateway/v1/sessions/" + record.session_id() + "/turns/" + record.id() +
         "/events?token=" + tokens.issue(claims);
}

std::string turn_accepted_json(const TurnRecord& record, const std::string& events_url) {
  json::object o;
  o["turn_id"] = record.id();
  o["session_id"] = record.session_id();
  o["status"] = to_string(record.status());
  o["events_url"] = events_url;
  return json::serialize(o);
}

std::string turn_status_json(const TurnRecord& record) {
  json::object o;
  o["turn_id"] = record.id();
  o["session_id"] = record.session_id();
  o["background"] = record.background();
  auto outcome = record.outcome();
  o["status"] = to_string(outcome ? outcome->status : record.status());
  o["message"] = nullptr;
  o["error"] = nullptr;
  if (outcome) {
    json::error_code ec;
    auto body = json::parse(outcome->response.body(), ec);
    if (outcome->status == TurnStatus::completed) {
      if (!ec) o["message"] = std::move(body);
    } else if (!ec && body.is_object() && body.as_object().contains("error")) {
      o["error"] = body.as_object().at("error");
    } else {
      o["error"] = json::object{{"type", "api_error"}, {"message", outcome->response.body()}};
    }
  }
  return json::serialize(o);
}

}  // namespace gw
