#include "server/sessions/turn_form.hpp"

#include "server/common/utf8.hpp"
#include "server/vision/base64.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <set>

namespace gw {

namespace {

namespace json = boost::json;

enum class Kind { text, integer, number, boolean, json_text };

// The turn fields a form may carry besides `content` and `image`, and their JSON types.
std::optional<Kind> kind_of(std::string_view name) {
  if (name == "prefill" || name == "cache" || name == "cache_ttl") return Kind::text;
  if (name == "max_tokens" || name == "top_k" || name == "continue_on_max_tokens") {
    return Kind::integer;
  }
  if (name == "temperature" || name == "top_p") return Kind::number;
  if (name == "stream" || name == "background") return Kind::boolean;
  if (name == "tools" || name == "tool_choice" || name == "thinking") return Kind::json_text;
  return std::nullopt;
}

ApiError field_error(std::string_view name, std::string_view what) {
  return invalid_request(std::string(name) + ": the form field " + std::string(what));
}

bool is_utf8(std::string_view s) {
  return valid_utf8(s) == s;
}

std::variant<json::value, ApiError> convert(const FormPart& part, Kind kind) {
  const std::string_view s = part.data;
  if (!is_utf8(s)) return field_error(part.name, "is not UTF-8 text");
  switch (kind) {
    case Kind::text:
      return json::value(json::string(s));
    case Kind::integer: {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
        return field_error(part.name, "is not an integer");
      }
      return json::value(n);
    }
    case Kind::number: {
      double d = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) {
        return field_error(part.name, "is not a number");
      }
      return json::value(d);
    }
    case Kind::boolean:
      if (s == "true") return json::value(true);
      if (s == "false") return json::value(false);
      return field_error(part.name, "must be true or false");
    case Kind::json_text: {
      boost::system::error_code ec;
      json::value v = json::parse(s, ec);
      if (ec) return field_error(part.name, "is not valid JSON");
      return v;
    }
  }
  return field_error(part.name, "is not understood");
}

json::value image_block(const FormPart& part) {
  return json::object{{"type", "image"},
                      {"source",
                       {{"type", "base64"},
                        {"media_type", valid_utf8(part.content_type)},
                        {"data", vision::encode_base64(part.data)}}}};
}

}  // namespace

std::variant<std::string, ApiError> turn_json_from_form(std::vector<FormPart> parts) {
  json::object out;
  json::array blocks;
  std::optional<std::string> text;
  json::array stop_sequences;
  bool has_stop_sequences = false;
  std::set<std::string, std::less<>> seen;
  for (const FormPart& part : parts) {
    if (part.name == "image") {
      // What a browser sends for a file input left empty.
      if (part.filename && part.filename->empty() && part.data.empty()) continue;
      blocks.push_back(image_block(part));
      continue;
    }
    if (part.name == "stop_sequences") {
      if (!is_utf8(part.data)) return field_error(part.name, "is not UTF-8 text");
      stop_sequences.emplace_back(json::string(part.data));
      has_stop_sequences = true;
      continue;
    }
    if (!seen.insert(part.name).second) return field_error(part.name, "is given more than once");
    if (part.name == "content") {
      if (!is_utf8(part.data)) return field_error(part.name, "is not UTF-8 text");
      text = part.data;
      continue;
    }
    const auto kind = kind_of(part.name);
    if (!kind) {
      // parse_turn_input names it as upstream names an extra input.
      out[valid_utf8(part.name)] = nullptr;
      continue;
    }
    auto value = convert(part, *kind);
    if (auto* e = std::get_if<ApiError>(&value)) return std::move(*e);
    out[part.name] = std::move(std::get<json::value>(value));
  }
  if (has_stop_sequences) out["stop_sequences"] = std::move(stop_sequences);
  if (blocks.empty()) {
    if (text) out["content"] = json::string(*text);
  } else {
    // An empty text block is refused upstream; the images alone are a turn.
    if (text && !text->empty()) {
      blocks.push_back(json::object{{"type", "text"}, {"text", *text}});
    }
    out["content"] = std::move(blocks);
  }
  return json::serialize(out);
}

}  // namespace gw
