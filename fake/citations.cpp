#include "fake/citations.hpp"

#include "fake/json_text.hpp"

#include <boost/json.hpp>

namespace gw::fake {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxQuoteChars = 100;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += continuation(c) ? 0 : 1;
  return n;
}

// [begin, end) byte offsets of the quote in `text`.
std::pair<std::size_t, std::size_t> first_sentence(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size() && is_space(text[begin])) ++begin;
  std::size_t end = begin;
  std::size_t chars = 0;
  while (end < text.size() && chars < kMaxQuoteChars) {
    const char c = text[end++];
    while (end < text.size() && continuation(text[end])) ++end;
    ++chars;
    if (c == '.' || c == '!' || c == '?') break;
  }
  return {begin, end};
}

void append_title(std::string& out, const std::optional<std::string>& title) {
  out += R"(,"document_title":)";
  if (title) {
    append_json_string(out, *title);
  } else {
    out += "null";
  }
}

}  // namespace

std::optional<CitableDocument> citable_document(const json::object& block, std::size_t index) {
  const json::value* citations = block.if_contains("citations");
  const json::value* enabled = citations && citations->is_object()
                                   ? citations->get_object().if_contains("enabled")
                                   : nullptr;
  if (enabled == nullptr || !enabled->is_bool() || !enabled->get_bool()) return std::nullopt;
  const json::value* source_value = block.if_contains("source");
  const json::object* source = source_value ? source_value->if_object() : nullptr;
  const json::value* type = source ? source->if_contains("type") : nullptr;
  if (type == nullptr) return std::nullopt;

  CitableDocument doc;
  doc.index = index;
  if (const json::value* title = block.if_contains("title"); title && title->is_string()) {
    doc.title = std::string(title->get_string());
  }
  if (*type == "text") {
    const json::value* data = source->if_contains("data");
    if (data == nullptr || !data->is_string()) return std::nullopt;
    doc.texts.emplace_back(data->get_string());
  } else if (*type == "content") {
    const json::value* content = source->if_contains("content");
    if (content == nullptr || !content->is_array()) return std::nullopt;
    doc.content_source = true;
    for (const json::value& item : content->get_array()) {
      const json::object* o = item.if_object();
      const json::value* text = o ? o->if_contains("text") : nullptr;
      doc.texts.emplace_back(text && text->is_string() ? text->get_string() : "");
    }
  } else {
    return std::nullopt;
  }
  return doc;
}

std::optional<Quote> quote_of(const CitableDocument& doc) {
  Quote q;
  q.intro = "According to the document, ";
  std::string& c = q.citation_json;
  if (!doc.content_source) {
    const std::string_view text = doc.texts.at(0);
    const auto [begin, end] = first_sentence(text);
    if (begin == end) return std::nullopt;
    q.text = std::string(text.substr(begin, end - begin));
    c = R"({"type":"char_location","cited_text":)";
    append_json_string(c, q.text);
    c += R"(,"document_index":)" + std::to_string(doc.index);
    append_title(c, doc.title);
    c += R"(,"start_char_index":)" + std::to_string(code_points(text.substr(0, begin)));
    c += R"(,"end_char_index":)" + std::to_string(code_points(text.substr(0, end))) + "}";
    return q;
  }
  for (std::size_t k = 0; k < doc.texts.size(); ++k) {
    if (doc.texts[k].empty()) continue;
    q.text = doc.texts[k];
    c = R"({"type":"content_block_location","cited_text":)";
    append_json_string(c, q.text);
    c += R"(,"document_index":)" + std::to_string(doc.index);
    append_title(c, doc.title);
    c += R"(,"start_block_index":)" + std::to_string(k);
    c += R"(,"end_block_index":)" + std::to_string(k + 1) + "}";
    return q;
  }
  return std::nullopt;
}

std::string quoted_reply(const Quote& quote, std::string_view reply) {
  return quote.intro + quote.text + " " + std::string(reply);
}

std::vector<TextPart> quoted_parts(const Quote& quote, std::string_view generated) {
  const std::size_t intro_end = quote.intro.size();
  const std::size_t quote_end = intro_end + quote.text.size();
  std::vector<TextPart> parts;
  parts.push_back(TextPart{std::min(intro_end, generated.size()), {}});
  if (generated.size() > intro_end) {
    const bool whole = generated.size() >= quote_end;
    parts.push_back(TextPart{std::min(quote_end, generated.size()),
                             whole ? quote.citation_json : std::string()});
  }
  if (generated.size() > quote_end) parts.push_back(TextPart{generated.size(), {}});
  return parts;
}

}  // namespace gw::fake
