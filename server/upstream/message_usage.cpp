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

void read_usage(const boost::json::value* usage, std::uint64_t& input_tokens,
                std::uint64_t& output_tokens) {
  if (!usage || !usage->is_object()) return;
  read_count(usage->get_object(), "input_tokens", input_tokens);
  read_count(usage->get_object(), "output_tokens", output_tokens);
}

void read_event_usage(std::string_view event, const boost::json::object& data,
                      std::uint64_t& input_tokens, std::uint64_t& output_tokens) {
  if (event == "message_start") {
    const auto* message = data.if_contains("message");
    if (message && message->is_object()) {
      read_usage(message->get_object().if_contains("usage"), input_tokens, output_tokens);
    }
  } else if (event == "message_delta") {
    read_usage(data.if_contains("usage"), input_tokens, output_tokens);
  }
}

}  // namespace gw
