#include "fake/agent_sessions_api.hpp"

#include "server/common/ids.hpp"
#include "server/common/time_format.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gw::fake {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kPrefix = "/v1/sessions";
constexpr std::string_view kBeta = "managed-agents-2026-04-01";

// The agent a session runs, resolved: an id names a stored agent (the fake has none, so
// it is described by its id), an object is taken as its definition.
json::object resolved_agent(const json::value& agent) {
  json::object out{{"type", "agent"},
                   {"version", 1},
                   {"description", nullptr},
                   {"system", nullptr},
                   {"mcp_servers", json::array()},
                   {"skills", json::array()},
                   {"tools", json::array()},
                   {"multiagent", nullptr},
                   {"model", json::object{{"id", "claude-sonnet-4-5"}}}};
  if (agent.is_string()) {
    out["id"] = agent.as_string();
    out["name"] = agent.as_string();
    return out;
  }
  const auto& given = agent.as_object();
  out["id"] = make_id("agent_");
  out["name"] = given.contains("name") ? given.at("name") : json::value("agent");
  for (const char* key : {"description", "system", "tools", "mcp_servers", "skills"}) {
    if (given.contains(key)) out[key] = given.at(key);
  }
  if (const auto* model = given.if_contains("model")) {
    out["model"] = model->is_string() ? json::value(json::object{{"id", *model}}) : *model;
  }
  return out;
}

}  // namespace

void AgentSessionsApi::clear() {
  std::lock_guard lock(mutex_);
  sessions_.clear();
}

Reply AgentSessionsApi::create(const ResourceRequest& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return error_reply(invalid_request("Invalid JSON body"), r.request_id);
  const auto& body = v.as_object();
  const auto* agent = body.if_contains("agent");
  if (!agent || !(agent->is_string() || agent->is_object())) {
    return error_reply(invalid_request("agent: Field required"), r.request_id);
  }
  const auto* environment = body.if_contains("environment_id");
  if (!environment || !environment->is_string()) {
    return error_reply(invalid_request("environment_id: Field required"), r.request_id);
  }
  const std::string now = rfc3339(std::chrono::system_clock::now());
  json::object s{
      {"id", make_id("sesn_")},
      {"type", "session"},
      {"agent", resolved_agent(*agent)},
      {"environment_id", *environment},
      {"status", "idle"},
      {"title", body.contains("title") ? body.at("title") : json::value(nullptr)},
      {"metadata", body.contains("metadata") ? body.at("metadata") : json::value(json::object())},
      {"resources", json::array()},
      {"vault_ids", json::array()},
      {"outcome_evaluations", json::array()},
      {"budget", nullptr},
      {"stats", json::object{{"active_seconds", 0}, {"duration_seconds", 0}}},
      {"usage", json::object{{"input_tokens", 0}, {"output_tokens", 0}}},
      {"archived_at", nullptr},
      {"created_at", now},
      {"updated_at", now}};
  Session stored{std::string(s["id"].as_string()), json::serialize(s)};
  std::lock_guard lock(mutex_);
  sessions_.push_back(std::move(stored));
  return json_reply(sessions_.back().json);
}

Reply AgentSessionsApi::list(const ResourceRequest& r) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it) ids.push_back(it->id);
  auto window = list_window(ids, parse_query_params(r.query));
  if (auto* e = std::get_if<ApiError>(&window)) return error_reply(*e, r.request_id);
  const auto& w = std::get<ListWindow>(window);
  std::string body =
      page_data(w, [&](std::size_t i) { return sessions_[sessions_.size() - 1 - i].json; });
  // The bidirectional cursor: next_page pages older, prev_page newer.
  body += R"(,"next_page":)";
  body += w.has_more ? json::serialize(json::value(ids[w.end - 1])) : "null";
  body += R"(,"prev_page":null})";
  return json_reply(std::move(body));
}

Reply AgentSessionsApi::handle(const ResourceRequest& r) {
  if (r.anthropic_beta.find(kBeta) == std::string_view::npos) {
    return error_reply(invalid_request("The sessions API is in beta: anthropic-beta: " +
                                       std::string(kBeta) + " is required"),
                       r.request_id);
  }
  const auto seg = segments_after(r.path, kPrefix);
  if (seg.empty()) {
    return collection_root(
        r, [&](const ResourceRequest& q) { return create(q); },
        [&](const ResourceRequest& q) { return list(q); });
  }
  if (seg.size() != 1) return error_reply(not_found("Not Found"), r.request_id);
  std::lock_guard lock(mutex_);
  auto it = std::find_if(sessions_.begin(), sessions_.end(),
                         [&](const Session& s) { return s.id == seg[0]; });
  if (it == sessions_.end()) {
    return error_reply(not_found("session: " + std::string(seg[0]) + " not found"), r.request_id);
  }
  if (r.method == http::verb::get) return json_reply(it->json);
  if (r.method != http::verb::delete_) return method_not_allowed(r);
  const std::string id = it->id;
  sessions_.erase(it);
  return json_reply(json::serialize(json::object{{"id", id}, {"type", "session_deleted"}}));
}

}  // namespace gw::fake
