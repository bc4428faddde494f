#include "fake/message_events.hpp"

#include "fake/json_text.hpp"
#include "fake/redacted_thinking.hpp"
#include "fake/thinking.hpp"
#include "fake/token_count.hpp"

#include <algorithm>

namespace gw::fake {
namespace {

void append_number(std::string& out, std::uint64_t n) {
  out += std::to_string(n);
}

// The message object up to and including "content": the part both renderings share.
void append_message_head(std::string& out, const MessageResult& r) {
  out += R"({"id":)";
  append_json_string(out, r.id);
  out += R"(,"type":"message","role":"assistant","model":)";
  append_json_string(out, r.model);
  out += R"(,"content":)";
}

// "input_tokens":N,"cache_creation_input_tokens":N,"cache_read_input_tokens":N
void append_input_counts(std::string& out, const MessageResult& r) {
  out += R"("input_tokens":)";
  append_number(out, r.input_tokens);
  out += R"(,"cache_creation_input_tokens":)";
  append_number(out, r.cache.creation);
  out += R"(,"cache_read_input_tokens":)";
  append_number(out, r.cache.read);
}

void append_usage(std::string& out, const MessageResult& r, std::uint64_t output_tokens) {
  out += '{';
  append_input_counts(out, r);
  out += R"(,"cache_creation":{"ephemeral_5m_input_tokens":)";
  append_number(out, r.cache.creation_5m);
  out += R"(,"ephemeral_1h_input_tokens":)";
  append_number(out, r.cache.creation_1h);
  out += R"(},"output_tokens":)";
  append_number(out, output_tokens);
  out += R"(,"service_tier":"standard","inference_geo":"not_available"})";
}

void append_stop(std::string& out, const Completion& c) {
  out += R"("stop_reason":")";
  out += c.stop_reason;
  out += R"(","stop_sequence":)";
  if (c.stop_sequence) {
    append_json_string(out, *c.stop_sequence);
  } else {
    out += "null";
  }
}

std::string event(std::string_view name, std::string_view data) {
  std::string e;
  e.reserve(name.size() + data.size() + 16);
  e += "event: ";
  e += name;
  e += "\ndata: ";
  e += data;
  e += "\n\n";
  return e;
}

std::string delta_event(std::size_t index, std::string_view type, std::string_view field,
                        std::string_view text) {
  std::string data = R"({"type":"content_block_delta","index":)" + std::to_string(index) +
                     R"(,"delta":{"type":")" + std::string(type) + R"(",")" + std::string(field) +
                     R"(":)";
  append_json_string(data, text);
  data += "}}";
  return event("content_block_delta", data);
}

void append_redacted_thinking_block(std::string& out, std::string_view thinking) {
  out += R"({"type":"redacted_thinking","data":)";
  append_json_string(out, redacted_thinking_data(thinking));
  out += '}';
}

void append_thinking_block(std::string& out, std::string_view thinking) {
  out += R"({"type":"thinking","thinking":)";
  append_json_string(out, thinking);
  out += R"(,"signature":)";
  append_json_string(out, thinking_signature(thinking));
  out += '}';
}

void append_tool_use_head(std::string& out, const ToolCall& call) {
  out += R"({"type":"tool_use","id":)";
  append_json_string(out, call.id);
  out += R"(,"name":)";
  append_json_string(out, call.name);
  out += R"(,"input":)";
}

std::string input_delta_event(std::size_t index, std::string_view part) {
  std::string data = R"({"type":"content_block_delta","index":)" + std::to_string(index) +
                     R"(,"delta":{"type":"input_json_delta","partial_json":)";
  append_json_string(data, part);
  data += "}}";
  return event("content_block_delta", data);
}

// The text blocks: completion.text cut at each part's end; one block when not split.
std::vector<TextPart> text_blocks(const MessageResult& r) {
  if (!r.text_parts.empty()) return r.text_parts;
  return {TextPart{r.completion.text.size(), {}}};
}

void append_text_delta_events(std::vector<std::string>& events, std::size_t index,
                              std::string_view text) {
  const std::vector<std::size_t> ends = token_ends(text);
  // Groups of 1, 2, 3, 1, 2, 3... tokens; free whitespace rides with the next token and
  // trailing whitespace with the last delta, so nothing is lost.
  std::size_t begin = 0;
  std::size_t next = 0;
  for (std::size_t group = 0; next < ends.size(); ++group) {
    next = std::min(ends.size(), next + 1 + group % 3);
    const std::size_t end = next == ends.size() ? text.size() : ends[next - 1];
    events.push_back(delta_event(index, "text_delta", "text", text.substr(begin, end - begin)));
    begin = end;
  }
  if (ends.empty()) events.push_back(delta_event(index, "text_delta", "text", text));
}

}  // namespace

std::string render_message_json(const MessageResult& r) {
  std::string out;
  out.reserve(r.completion.text.size() + 512);
  append_message_head(out, r);
  out += '[';
  if (!r.thinking.empty()) {
    if (r.thinking_redacted) {
      append_redacted_thinking_block(out, r.thinking);
    } else {
      append_thinking_block(out, r.thinking);
    }
    out += ',';
  }
  const std::string_view text = r.completion.text;
  std::size_t begin = 0;
  bool first = true;
  for (const TextPart& part : text_blocks(r)) {
    if (!first) out += ',';
    first = false;
    out += R"({"type":"text","text":)";
    append_json_string(out, text.substr(begin, part.end - begin));
    if (!part.citation_json.empty()) {
      out += R"(,"citations":[)";
      out += part.citation_json;
      out += ']';
    }
    out += "}";
    begin = part.end;
  }
  for (const ToolCall& call : r.tool_calls) {
    out += ',';
    append_tool_use_head(out, call);
    out += call.input_json;
    out += '}';
  }
  out += "],";
  append_stop(out, r.completion);
  out += R"(,"usage":)";
  append_usage(out, r, r.completion.output_tokens);
  out += '}';
  return out;
}

std::vector<std::string> render_message_events(const MessageResult& r) {
  const std::string_view text = r.completion.text;
  std::vector<std::string> events;
  events.reserve(text.size() / 8 + 8);

  std::string start = R"({"type":"message_start","message":)";
  append_message_head(start, r);
  start += R"([],"stop_reason":null,"stop_sequence":null,"usage":)";
  append_usage(start, r, std::min<std::uint64_t>(1, r.completion.output_tokens));
  start += "}}";
  events.push_back(event("message_start", start));
  // With thinking on the thinking block comes first: the text and tool blocks follow it.
  const std::size_t first_text = r.thinking.empty() ? 0 : 1;
  if (!r.thinking.empty() && r.thinking_redacted) {
    std::string head = R"({"type":"content_block_start","index":0,"content_block":)";
    append_redacted_thinking_block(head, r.thinking);
    head += '}';
    events.push_back(event("content_block_start", head));
    events.push_back(event("content_block_stop", R"({"type":"content_block_stop","index":0})"));
  } else if (!r.thinking.empty()) {
    events.push_back(event(
        "content_block_start",
        R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})"));
    const std::size_t half = r.thinking.size() / 2;
    events.push_back(delta_event(0, "thinking_delta", "thinking", r.thinking.substr(0, half)));
    events.push_back(delta_event(0, "thinking_delta", "thinking", r.thinking.substr(half)));
    events.push_back(
        delta_event(0, "signature_delta", "signature", thinking_signature(r.thinking)));
    events.push_back(event("content_block_stop", R"({"type":"content_block_stop","index":0})"));
  }
  const std::vector<TextPart> parts = text_blocks(r);
  std::size_t begin = 0;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const std::string index = std::to_string(first_text + p);
    const bool cited = !parts[p].citation_json.empty();
    events.push_back(
        event("content_block_start", R"({"type":"content_block_start","index":)" + index +
                                         R"(,"content_block":{"type":"text","text":"")" +
                                         (cited ? R"(,"citations":[]}})" : "}}")));
    if (p == 0) events.push_back(event("ping", R"({"type": "ping"})"));
    if (cited) {
      events.push_back(
          event("content_block_delta", R"({"type":"content_block_delta","index":)" + index +
                                           R"(,"delta":{"type":"citations_delta","citation":)" +
                                           parts[p].citation_json + "}}"));
    }
    append_text_delta_events(events, first_text + p, text.substr(begin, parts[p].end - begin));
    begin = parts[p].end;
    events.push_back(event("content_block_stop",
                           R"({"type":"content_block_stop","index":)" + index + "           }"));
  }
  const std::size_t text_index = first_text + parts.size() - 1;
  for (std::size_t k = 0; k < r.tool_calls.size(); ++k) {
    const ToolCall& call = r.tool_calls[k];
    const std::size_t block = text_index + 1 + k;
    const std::string index = std::to_string(block);
    std::string head = R"({"type":"content_block_start","index":)" + index + R"(,"content_block":)";
    append_tool_use_head(head, call);
    head += "{}}}";
    events.push_back(event("content_block_start", head));
    // As upstream: an empty fragment first, then the input in pieces cut anywhere.
    const std::string_view input = call.input_json;
    const std::size_t half = input.size() / 2;
    events.push_back(input_delta_event(block, ""));
    events.push_back(input_delta_event(block, input.substr(0, half)));
    events.push_back(input_delta_event(block, input.substr(half)));
    events.push_back(
        event("content_block_stop", R"({"type":"content_block_stop","index":)" + index + "}"));
  }
  std::string delta = R"({"type":"message_delta","delta":{)";
  append_stop(delta, r.completion);
  delta += R"(},"usage":{)";
  append_input_counts(delta, r);
  delta += R"(,"output_tokens":)";
  append_number(delta, r.completion.output_tokens);
  delta += "}}";
  events.push_back(event("message_delta", delta));
  events.push_back(event("message_stop", R"({"type":"message_stop"       })"));
  return events;
}

}  // namespace gw::fake
