#include "server/sessions/cache_marks.hpp"

#include <boost/json.hpp>

namespace gw {

namespace json = boost::json;

namespace {

constexpr std::string_view kMarkKey = R"("cache_control")";

std::string_view mark_json(CacheTtl ttl) {
  // Five minutes is upstream's default: said only when it is an hour.
  return ttl == CacheTtl::one_hour ? R"({"type":"ephemeral","ttl":"1h"})"
                                   : R"({"type":"ephemeral"})";
}

CacheTtl ttl_of(const json::value& mark) {
  const auto* o = mark.if_object();
  const auto* t = o ? o->if_contains("ttl") : nullptr;
  return t && t->is_string() && t->get_string() == "1h" ? CacheTtl::one_hour
                                                        : CacheTtl::five_minutes;
}

// Calls `f` on every block object of a piece: its array's elements and a tool_result's
// own content blocks.
template <class Block, class F>
void for_each_block(Block& piece, F&& f) {
  auto* list = piece.if_array();
  if (!list) return;
  for (auto& b : *list) {
    auto* o = b.if_object();
    if (!o) continue;
    f(*o);
    if (auto* inner = o->if_contains("content"); inner && inner->is_array()) {
      for (auto& ib : inner->as_array()) {
        if (auto* io = ib.if_object()) f(*io);
      }
    }
  }
}

bool can_hold_mark(const json::object& block) {
  const auto* type = block.if_contains("type");
  if (!type || !type->is_string()) return false;
  const auto t = type->get_string();
  if (t == "thinking" || t == "redacted_thinking") return false;
  if (t == "text") {
    const auto* text = block.if_contains("text");
    return text && text->is_string() && !text->get_string().empty();
  }
  return true;
}

}  // namespace

std::vector<CacheTtl> cache_marks_in(std::string_view text) {
  std::vector<CacheTtl> marks;
  if (text.find(kMarkKey) == std::string_view::npos) return marks;
  json::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec) return marks;
  for_each_block(v, [&](const json::object& b) {
    if (const auto* m = b.if_contains("cache_control")) marks.push_back(ttl_of(*m));
  });
  return marks;
}

std::optional<std::string> with_cache_mark(std::string_view text, CacheTtl ttl) {
  const std::string_view mark = mark_json(ttl);
  if (text.size() > 2 && text.front() == '"') {
    // A string is one text block; an empty one could not be marked.
    std::string out = R"([{"type":"text","text":)";
    out += text;
    out += R"(,"cache_control":)";
    out += mark;
    out += "}]";
    return out;
  }
  // The gateway's own compact serialization of blocks, none of them thinking, an empty
  // text or already marked: the mark goes in before the last block's closing brace,
  // without a parse.
  const bool plain = text.ends_with("}]") && text.find(kMarkKey) == std::string_view::npos &&
                     text.find(R"(thinking")") == std::string_view::npos &&
                     text.find(R"("text":"")") == std::string_view::npos;
  if (plain) {
    std::string out;
    out.reserve(text.size() + 48);
    out.append(text.substr(0, text.size() - 2));
    out += R"(,"cache_control":)";
    out += mark;
    out += "}]";
    return out;
  }
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return std::nullopt;
  auto& list = v.as_array();
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    auto* b = it->if_object();
    if (!b || !can_hold_mark(*b)) continue;
    (*b)["cache_control"] = json::parse(mark);
    return json::serialize(v);
  }
  return std::nullopt;
}

std::string without_cache_marks(std::string_view text) {
  if (text.find(kMarkKey) == std::string_view::npos) return std::string(text);
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return std::string(text);
  for_each_block(v, [](json::object& b) { b.erase("cache_control"); });
  return json::serialize(v);
}

}  // namespace gw
