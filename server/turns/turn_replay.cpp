#include "server/turns/turn_replay.hpp"

#include "server/sse/sse_writer.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <charconv>

namespace gw {

namespace json = boost::json;

std::string turn_event_id(std::string_view turn_id, std::uint64_t seq) {
  std::string id(turn_id);
  id += '.';
  id += std::to_string(seq);
  return id;
}

std::optional<std::uint64_t> parse_turn_event_id(std::string_view id, std::string_view turn_id) {
  if (auto dot = id.rfind('.'); dot != std::string_view::npos) {
    if (id.substr(0, dot) != turn_id) return std::nullopt;
    id.remove_prefix(dot + 1);
  }
  std::uint64_t seq = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), seq);
  if (ec != std::errc() || end != id.data() + id.size() || id.empty()) return std::nullopt;
  return seq;
}

std::variant<std::uint64_t, ApiError> resume_point(const Request& request,
                                                   std::string_view turn_id) {
  std::string given(request["last-event-id"]);
  if (given.empty()) {
    auto target = boost::urls::parse_origin_form(request.target());
    if (target) {
      auto it = target->params().find("after");
      if (it != target->params().end()) given = (*it).value;
    }
  }
  if (given.empty()) return std::uint64_t{0};
  auto seq = parse_turn_event_id(given, turn_id);
  if (!seq) {
    return invalid_request("Last-Event-ID: expected an id of this turn's events (" +
                           std::string(turn_id) + ".<n>), got \"" + given.substr(0, 100) + "\"");
  }
  return *seq;
}

std::uint64_t terminal_seq(const TurnRecord& record) {
  return std::max<std::uint64_t>(record.log().last_seq(), 1);
}

std::string turn_committed_data(std::string_view reply_json) {
  json::error_code ec;
  auto v = json::parse(reply_json, ec);
  if (ec || !v.is_object()) return "{}";
  const auto& r = v.as_object();
  json::object data;
  for (const char* field :
       {"session_id", "turn_id", "message_count", "continuations", "completion", "usage"}) {
    if (const auto* f = r.if_contains(field)) data[field] = *f;
  }
  return json::serialize(data);
}

namespace {

std::string committed_sequence(const TurnRecord& record, std::string_view reply_json) {
  json::error_code ec;
  auto v = json::parse(reply_json, ec);
  if (ec || !v.is_object()) return {};
  const auto& r = v.as_object();
  auto field = [&](const char* name) {
    const auto* f = r.if_contains(name);
    return f ? *f : json::value(nullptr);
  };
  std::string out;
  json::object usage_in;
  usage_in["input_tokens"] = 0;
  usage_in["output_tokens"] = 0;
  if (const auto* u = r.if_contains("usage"); u && u->is_object()) {
    // message_start carries the input counts, the cache's among them, as upstream's does.
    for (const char* name :
         {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}) {
      if (const auto* in = u->as_object().if_contains(name)) usage_in[name] = *in;
    }
  }
  json::object message{{"id", field("id")},        {"type", "message"},
                       {"role", "assistant"},      {"model", field("model")},
                       {"content", json::array()}, {"stop_reason", nullptr},
                       {"stop_sequence", nullptr}, {"usage", usage_in}};
  out += sse_event("message_start",
                   json::serialize(json::object{{"type", "message_start"}, {"message", message}}));
  const auto content = field("content");
  if (content.is_array()) {
    std::size_t index = 0;
    for (const auto& block : content.as_array()) {
      const bool text = block.is_object() && block.as_object().contains("text") &&
                        block.as_object().at("type") == "text";
      json::value start_block = block;
      if (text) start_block.as_object()["text"] = "";
      out += sse_event(
          "content_block_start",
          json::serialize(json::object{
              {"type", "content_block_start"}, {"index", index}, {"content_block", start_block}}));
      if (text) {
        json::object delta{{"type", "text_delta"}, {"text", block.as_object().at("text")}};
        out += sse_event("content_block_delta",
                         json::serialize(json::object{
                             {"type", "content_block_delta"}, {"index", index}, {"delta", delta}}));
      }
      out += sse_event(
          "content_block_stop",
          json::serialize(json::object{{"type", "content_block_stop"}, {"index", index}}));
      ++index;
    }
  }
  json::object delta{{"stop_reason", field("stop_reason")},
                     {"stop_sequence", field("stop_sequence")}};
  json::object usage_out{{"output_tokens", 0}};
  if (const auto* u = r.if_contains("usage"); u && u->is_object()) {
    if (const auto* o = u->as_object().if_contains("output_tokens"))
      usage_out["output_tokens"] = *o;
  }
  out += sse_event("message_delta",
                   json::serialize(json::object{
                       {"type", "message_delta"}, {"delta", delta}, {"usage", usage_out}}));
  out += sse_event("message_stop", R"({"type":"message_stop"})");
  out += sse_event("turn_committed", turn_committed_data(reply_json),
                   turn_event_id(record.id(), terminal_seq(record)));
  return out;
}

}  // namespace

std::string replay_outcome(const TurnRecord& record, const TurnOutcome& outcome) {
  const std::string id = turn_event_id(record.id(), terminal_seq(record));
  switch (outcome.status) {
    case TurnStatus::completed:
      return committed_sequence(record, outcome.response.body());
    case TurnStatus::cancelled:
      return sse_event("turn_cancelled",
                       json::serialize(json::object{{"session_id", record.session_id()},
                                                    {"turn_id", record.id()}}),
                       id);
    default:
      return sse_event("error", outcome.response.body(), id);
  }
}

}  // namespace gw
