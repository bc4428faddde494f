#include "server/sessions/upstream_reply.hpp"

#include "server/common/json_input.hpp"
#include "server/upstream/message_usage.hpp"

#include <boost/json.hpp>

namespace gw {

namespace json = boost::json;

namespace {

std::string string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

void read_stop(const json::object& o, UpstreamReply& r) {
  r.stop_reason = string_at(o, "stop_reason");
  const json::value* seq = o.if_contains("stop_sequence");
  if (seq && seq->is_string()) r.stop_sequence = std::string(seq->get_string());
}

}  // namespace

std::optional<UpstreamReply> parse_message_json(std::string_view body) {
  json::error_code ec;
  json::value v = parse_upstream_json(body, ec);
  if (ec) return std::nullopt;
  return read_message(v);
}

std::optional<UpstreamReply> read_message(const boost::json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  if (string_at(o, "type") != "message") return std::nullopt;
  const json::value* content = o.if_contains("content");
  if (!content || !content->is_array()) return std::nullopt;
  UpstreamReply r;
  r.id = string_at(o, "id");
  r.model = string_at(o, "model");
  for (const auto& block : content->get_array()) {
    if (const auto* b = block.if_object(); b && string_at(*b, "type") == "text") {
      r.text += string_at(*b, "text");
    }
  }
  r.content_json = json::serialize(*content);
  read_stop(o, r);
  read_usage(o.if_contains("usage"), r.usage);
  return r;
}

void StreamReplyBuilder::on_event(const SseEvent& event) {
  // The reply ended at message_stop; anything after it (upstream never sends more) must
  // not change what was rebuilt.
  if (complete_) return;
  if (event.event == "ping" || event.data.empty()) return;
  if (event.event == "error") {
    failed_ = true;
    return;
  }
  // Every event of a turn is parsed: its value lives in a buffer on the stack (an event
  // larger than that spills into the heap), not in a malloc per key and string.
  unsigned char buffer[4096];
  json::monotonic_resource memory(buffer);
  json::error_code ec;
  json::value v = parse_upstream_json(event.data, ec, &memory);
  if (ec || !v.is_object()) return;
  const json::object& o = v.get_object();
  read_event_usage(event.event, o, reply_.usage);
  if (event.event == "message_start") {
    const json::value* m = o.if_contains("message");
    if (!m || !m->is_object()) return;
    reply_.id = string_at(m->get_object(), "id");
    reply_.model = string_at(m->get_object(), "model");
  } else if (event.event == "message_delta") {
    const json::value* d = o.if_contains("delta");
    if (d && d->is_object()) read_stop(d->get_object(), reply_);
  } else if (event.event == "message_stop") {
    complete_ = true;
    if (content_.finish(reply_.stop_reason)) {
      reply_.content_json = content_.json();
      reply_.text = content_.text();
    }
  } else {
    content_.on_event(event.event, o);
  }
}

}  // namespace gw
