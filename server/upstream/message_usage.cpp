#include "server/upstream/message_usage.hpp"

#include <boost/json.hpp>

namespace gw {

namespace {

void read_count(const boost::json::object& usage, std::string_view name, std::uint64_t& out) {
  const auto* v = usage.if_contains(name);
  if (!v) return;
  if (v->is_uint64()) out = v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) out = static_cast<std::uint64_t>(v->get_int64());
}

}  // namespace

void read_usage(const boost::json::value* usage, TokenUsage& out) {
  if (!usage || !usage->is_object()) return;
  const auto& u = usage->get_object();
  read_count(u, "input_tokens", out.input_tokens);
  read_count(u, "output_tokens", out.output_tokens);
  read_count(u, "cache_creation_input_tokens", out.cache_creation_input_tokens);
  read_count(u, "cache_read_input_tokens", out.cache_read_input_tokens);
}

void read_event_usage(std::string_view event, const boost::json::object& data, TokenUsage& out) {
  if (event == "message_start") {
    const auto* message = data.if_contains("message");
    if (message && message->is_object()) {
      read_usage(message->get_object().if_contains("usage"), out);
    }
  } else if (event == "message_delta") {
    read_usage(data.if_contains("usage"), out);
  }
}

}  // namespace gw
