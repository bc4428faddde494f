#include "fake/batches_api.hpp"

#include "server/common/ids.hpp"
#include "server/common/time_format.hpp"

#include <boost/json.hpp>

#include <set>

namespace gw::fake {

namespace json = boost::json;
namespace http = boost::beast::http;
using std::chrono::system_clock;

namespace {

constexpr std::string_view kPrefix = "/v1/messages/batches";

json::value nullable(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

}  // namespace

void BatchesApi::clear() {
  std::lock_guard lock(mutex_);
  batches_.clear();
}

BatchesApi::Batch* BatchesApi::find(std::string_view id) {
  for (auto& b : batches_) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

std::string BatchesApi::to_json(const Batch& b, const std::string& base_url) {
  const bool ended = b.status == "ended";
  const std::size_t processing = ended ? 0 : b.requests.size();
  json::object o;
  o["id"] = b.id;
  o["type"] = "message_batch";
  o["processing_status"] = b.status;
  o["request_counts"] = {{"processing", processing},
                         {"succeeded", b.succeeded},
                         {"errored", b.errored},
                         {"canceled", b.canceled},
                         {"expired", 0}};
  o["ended_at"] = nullable(b.ended_at);
  o["created_at"] = rfc3339(b.created_at);
  o["expires_at"] = rfc3339(b.created_at + std::chrono::hours(24));
  o["archived_at"] = nullptr;
  o["cancel_initiated_at"] = nullable(b.cancel_initiated_at);
  o["results_url"] = ended ? json::value(base_url + std::string(kPrefix) + "/" + b.id + "/results")
                           : json::value(nullptr);
  return json::serialize(o);
}

Reply BatchesApi::create(const ResourceRequest& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return error_reply(invalid_request("Invalid JSON body"), r.request_id);
  const auto* requests = v.as_object().if_contains("requests");
  if (!requests || !requests->is_array() || requests->as_array().empty()) {
    return error_reply(invalid_request("requests: Field required and must be a non-empty list"),
                       r.request_id);
  }
  Batch b;
  b.id = make_id("msgbatch_");
  b.created_at = system_clock::now();
  std::set<std::string> seen;
  const auto& list = requests->as_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto where = "requests." + std::to_string(i);
    const auto* item = list[i].if_object();
    const auto* id = item ? item->if_contains("custom_id") : nullptr;
    const auto* params = item ? item->if_contains("params") : nullptr;
    if (!id || !id->is_string() || !params || !params->is_object()) {
      return error_reply(invalid_request(where + ": custom_id (string) and params (object) "
                                                 "are required"),
                         r.request_id);
    }
    std::string custom_id(id->as_string());
    if (!seen.insert(custom_id).second) {
      return error_reply(invalid_request(where + ".custom_id: duplicate custom_id " + custom_id),
                         r.request_id);
    }
    json::object p = params->as_object();
    p.erase("stream");  // a batch answers whole messages
    b.requests.push_back({std::move(custom_id), json::serialize(p)});
  }
  std::lock_guard lock(mutex_);
  batches_.push_back(std::move(b));
  return json_reply(to_json(batches_.back(), r.base_url));
}

void BatchesApi::finish(Batch& b, const FakeSettings& settings) {
  if (b.status == "ended") return;
  const bool cancel = b.status == "canceling";
  for (const auto& req : b.requests) {
    json::object line;
    line["custom_id"] = req.custom_id;
    if (cancel) {
      line["result"] = {{"type", "canceled"}};
      ++b.canceled;
    } else {
      Reply reply = create_message(req.params, make_id("req_"), settings);
      boost::system::error_code ec;
      auto body = json::parse(reply.body, ec);
      if (reply.status == 200 && !ec) {
        line["result"] = {{"type", "succeeded"}, {"message", body}};
        ++b.succeeded;
      } else {
        line["result"] = {{"type", "errored"}, {"error", ec ? json::value(nullptr) : body}};
        ++b.errored;
      }
    }
    b.results += json::serialize(line);
    b.results += '\n';
  }
  b.status = "ended";
  b.ended_at = rfc3339(system_clock::now());
}

Reply BatchesApi::list(const ResourceRequest& r) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  for (auto it = batches_.rbegin(); it != batches_.rend(); ++it) ids.push_back(it->id);
  auto window = list_window(ids, parse_query_params(r.query));
  if (auto* e = std::get_if<ApiError>(&window)) return error_reply(*e, r.request_id);
  const auto& w = std::get<ListWindow>(window);
  std::string body =
      page_data(w, [&](std::size_t i) { return to_json(*find(ids[i]), r.base_url); });
  body += R"(,"has_more":)" + std::string(w.has_more ? "true" : "false");
  body += R"(,"first_id":)" +
          (w.begin < w.end ? json::serialize(json::value(ids[w.begin])) : std::string("null"));
  body += R"(,"last_id":)" +
          (w.begin < w.end ? json::serialize(json::value(ids[w.end - 1])) : std::string("null"));
  body += '}';
  return json_reply(std::move(body));
}

Reply BatchesApi::handle(const ResourceRequest& r, const FakeSettings& settings) {
  const auto seg = segments_after(r.path, kPrefix);
  if (seg.empty()) {
    return collection_root(
        r, [&](const ResourceRequest& q) { return create(q); },
        [&](const ResourceRequest& q) { return list(q); });
  }
  if (seg.size() > 2 || (seg.size() == 2 && seg[1] != "results" && seg[1] != "cancel")) {
    return error_reply(not_found("Not Found"), r.request_id);
  }
  std::lock_guard lock(mutex_);
  Batch* b = find(seg[0]);
  if (!b) {
    return error_reply(not_found("message_batch: " + std::string(seg[0]) + " not found"),
                       r.request_id);
  }
  if (seg.size() == 1) {
    if (r.method == http::verb::get) {
      finish(*b, settings);
      return json_reply(to_json(*b, r.base_url));
    }
    if (r.method != http::verb::delete_) return method_not_allowed(r);
    if (b->status != "ended") {
      return error_reply(invalid_request("Batch " + b->id +
                                         " cannot be deleted while it is processing; cancel "
                                         "it first"),
                         r.request_id);
    }
    const std::string id = b->id;
    std::erase_if(batches_, [&](const Batch& x) { return x.id == id; });
    return json_reply(json::serialize(json::object{{"id", id}, {"type", "message_batch_deleted"}}));
  }
  if (seg[1] == "cancel") {
    if (r.method != http::verb::post) return method_not_allowed(r);
    if (b->status == "in_progress") {
      b->status = "canceling";
      b->cancel_initiated_at = rfc3339(system_clock::now());
    }
    return json_reply(to_json(*b, r.base_url));
  }
  if (r.method != http::verb::get) return method_not_allowed(r);
  if (b->status != "ended") {
    return error_reply(invalid_request("Batch " + b->id + " has not finished processing"),
                       r.request_id);
  }
  Reply out = json_reply(b->results);
  out.content_type = "application/binary";
  return out;
}

}  // namespace gw::fake
