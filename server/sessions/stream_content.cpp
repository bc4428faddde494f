#include "server/sessions/stream_content.hpp"

#include "server/common/json_input.hpp"

#include <boost/json/serialize.hpp>

namespace gw {

namespace json = boost::json;

namespace {

const json::string* string_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

// Appends `more` to the string at `key`, which is created (at the end) when absent.
void append_string(json::object& block, std::string_view key, std::string_view more) {
  json::value& v = block[key];
  if (!v.is_string()) v = json::string();
  v.get_string().append(more);
}

}  // namespace

bool StreamContent::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

std::optional<std::size_t> StreamContent::open_index(const json::object& data, const char* event) {
  const json::value* index = data.if_contains("index");
  if (!index || !index->is_number()) {
    fail(std::string(event) + " without an index");
    return std::nullopt;
  }
  json::error_code ec;
  const auto i = index->to_number<std::uint64_t>(ec);
  if (ec || i >= blocks_.size()) {
    fail(std::string(event) + " for block " + json::serialize(*index) + ", which has not started");
    return std::nullopt;
  }
  if (blocks_[i].stopped) {
    fail(std::string(event) + " for block " + std::to_string(i) + ", which has stopped");
    return std::nullopt;
  }
  return static_cast<std::size_t>(i);
}

bool StreamContent::on_event(std::string_view event, const json::object& data) {
  if (event == "content_block_start") return start(data);
  if (event == "content_block_delta") return delta(data);
  if (event == "content_block_stop") return stop(data);
  return true;
}

bool StreamContent::start(const json::object& data) {
  const json::value* index = data.if_contains("index");
  json::error_code ec;
  const auto i = index && index->is_number() ? index->to_number<std::uint64_t>(ec) : 0;
  if (!index || ec || i != blocks_.size()) {
    // The index is the block's position in the final content array: anything else
    // would put blocks in the wrong order or leave a hole.
    return fail("content_block_start for block " + (index ? json::serialize(*index) : "(none)") +
                " where block " + std::to_string(blocks_.size()) + " was next");
  }
  const json::value* block = data.if_contains("content_block");
  if (!block || !block->is_object()) return fail("content_block_start without a content_block");
  // Copied into the default resource: the event's own value may live in a buffer of the
  // caller's that is gone after this call.
  blocks_.push_back(
      Block{json::object(block->get_object(), json::storage_ptr()), {}, false, false});
  return true;
}

bool StreamContent::delta(const json::object& data) {
  const auto i = open_index(data, "content_block_delta");
  if (!i) return false;
  Block& b = blocks_[*i];
  const json::value* dv = data.if_contains("delta");
  if (!dv || !dv->is_object()) return fail("content_block_delta without a delta");
  const json::object& d = dv->get_object();
  const json::string* type = string_field(d, "type");
  const std::string_view t = type ? std::string_view(*type) : std::string_view();
  if (t == "text_delta" || t == "thinking_delta") {
    const std::string_view key = t == "text_delta" ? "text" : "thinking";
    const json::string* more = string_field(d, key);
    if (!more) return fail(std::string(t) + " without its " + std::string(key));
    append_string(b.value, key, *more);
  } else if (t == "signature_delta") {
    const json::string* sig = string_field(d, "signature");
    if (!sig) return fail("signature_delta without a signature");
    b.value["signature"] = *sig;
  } else if (t == "input_json_delta") {
    const json::string* part = string_field(d, "partial_json");
    if (!part) return fail("input_json_delta without partial_json");
    b.partial_json.append(*part);
    b.has_partial_json = true;
  } else if (t == "citations_delta") {
    const json::value* citation = d.if_contains("citation");
    if (!citation) return fail("citations_delta without a citation");
    json::value& list = b.value["citations"];
    if (!list.is_array()) list = json::array();
    list.get_array().push_back(*citation);
  } else {
    // A delta this gateway does not know yet: kept by the general rule (see the header).
    for (const auto& field : d) {
      if (field.key() == "type") continue;
      json::value* have = b.value.if_contains(field.key());
      if (have && have->is_string() && field.value().is_string()) {
        have->get_string().append(field.value().get_string());
      } else if (have && have->is_array()) {
        have->get_array().push_back(field.value());
      } else {
        b.value[field.key()] = field.value();
      }
    }
  }
  return true;
}

bool StreamContent::stop(const json::object& data) {
  const auto i = open_index(data, "content_block_stop");
  if (!i) return false;
  Block& b = blocks_[*i];
  b.stopped = true;
  // The fragments make one JSON value, parsed once, now; none at all, or only "", leave
  // the start's input (`{}`) as it was.
  if (b.has_partial_json && !b.partial_json.empty()) {
    json::error_code ec;
    json::value input = parse_upstream_json(b.partial_json, ec);
    if (ec) {
      // Judged at the end: a reply cut by max_tokens stops in the middle of a call.
      b.incomplete = true;
    } else {
      b.value["input"] = std::move(input);
    }
  }
  b.partial_json = std::string();
  return true;
}

bool StreamContent::finish(std::string_view stop_reason) {
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    if (!blocks_[i].stopped) return fail("block " + std::to_string(i) + " never stopped");
  }
  while (stop_reason == "max_tokens" && !blocks_.empty() && blocks_.back().incomplete) {
    blocks_.pop_back();
    ++dropped_;
  }
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    if (blocks_[i].incomplete) {
      return fail("block " + std::to_string(i) + "'s input_json_delta fragments are not JSON");
    }
  }
  return error_.empty();
}

bool StreamContent::whole() const {
  for (const Block& b : blocks_) {
    if (!b.stopped || b.incomplete) return false;
  }
  return error_.empty();
}

std::string StreamContent::json() const {
  std::string out = "[";
  for (const Block& b : blocks_) {
    if (out.size() > 1) out += ',';
    out += json::serialize(b.value);
  }
  out += ']';
  return out;
}

std::string StreamContent::text() const {
  std::string out;
  for (const Block& b : blocks_) {
    const json::string* type = string_field(b.value, "type");
    const json::string* text = string_field(b.value, "text");
    if (type && *type == "text" && text) out.append(*text);
  }
  return out;
}

}  // namespace gw
