#pragma once

// Citations on document input. When the last user message holds a `document` block with
// "citations":{"enabled":true} (source "text" with `data`, or "content" with text blocks),
// the fake quotes the first such document, as a pure function of the request:
//
//   reply = [text "According to the document, "]
//           [text <quote>, "citations":[<one citation>]]
//           [text " " + the normal reply]
//
// The three parts are generated as one text (max_tokens and stop sequences apply across
// them; a part cut short keeps no citation, an empty part is dropped).
//   * "text" source: the quote is the document's first sentence (from its first
//     non-whitespace character up to and including the first '.', '!' or '?'), or its
//     first 100 characters when the sentence is longer or has no end. The citation is
//     {"type":"char_location","cited_text":quote,"document_index":N,"document_title":title
//     or null,"start_char_index":S,"end_char_index":E}, S and E counting Unicode
//     characters (code points, as upstream's Python does) into `data`, E exclusive.
//   * "content" source: the quote is the first non-empty text block's whole text; the
//     citation is "content_block_location" with start_block_index k, end_block_index k+1.
// N counts the request's top-level document blocks from 0, over all messages.
// A reply continuing a prefill quotes nothing.

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::fake {

struct CitableDocument {
  std::size_t index = 0;  // document_index
  std::optional<std::string> title;
  bool content_source = false;     // "content" (text blocks) rather than "text" (`data`)
  std::vector<std::string> texts;  // `data`, or each content block's text ("" if not text)
};

// The document block's citable form when citations are enabled on it; nullopt otherwise.
std::optional<CitableDocument> citable_document(const boost::json::object& block,
                                                std::size_t index);

// One text block of a reply: text[previous end, end), with its citation object (JSON) if any.
struct TextPart {
  std::size_t end = 0;
  std::string citation_json;
};

struct Quote {
  std::string intro;  // "According to the document, "
  std::string text;   // cited_text
  std::string citation_json;
};
std::optional<Quote> quote_of(const CitableDocument& document);

// The whole text to generate: intro + quote + " " + reply.
std::string quoted_reply(const Quote& quote, std::string_view reply);

// How `generated` (quoted_reply after the stop rules) splits into text blocks.
std::vector<TextPart> quoted_parts(const Quote& quote, std::string_view generated);

}  // namespace gw::fake
