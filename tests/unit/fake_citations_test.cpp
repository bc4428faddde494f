// The fake's citations: a document with citations enabled in the last user message makes
// the reply quote it (fake/citations.hpp for the rule).

#include "tests/unit/fake_test_support.hpp"

#include <gtest/gtest.h>

namespace {

using namespace gw::fake_test;

json::object text_document(std::string_view data, json::value title = nullptr,
                           bool citations = true) {
  json::object doc = {{"type", "document"},
                      {"source", {{"type", "text"}, {"media_type", "text/plain"}, {"data", data}}},
                      {"citations", {{"enabled", citations}}}};
  if (!title.is_null()) doc["title"] = title;
  return doc;
}

json::object content_document(json::array texts) {
  json::array blocks;
  for (const auto& t : texts) blocks.push_back(text_block(t.as_string()));
  return {{"type", "document"},
          {"source", {{"type", "content"}, {"content", blocks}}},
          {"citations", {{"enabled", true}}}};
}

// The JSON form's content, after checking that the stream folds to exactly the same bytes.
json::array content_in_both_forms(const json::object& body) {
  const auto r = create(body);
  EXPECT_EQ(r.status, 200u) << r.body;
  const json::object b = parse_object(r.body);
  auto folded = fold(create(streaming(body)));
  EXPECT_TRUE(folded.complete());
  EXPECT_EQ(folded.content_error(), "");
  EXPECT_EQ(folded.reply().content_json, json::serialize(b.at("content")));
  return b.at("content").as_array();
}

TEST(FakeCitations, ATextDocumentIsQuotedWithCharacterOffsets) {
  const auto content = content_in_both_forms(request({user(json::array{
      text_document("The grass is green. The sky is blue.", "Facts"), text_block("Colour?")})}));
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0], (json::object{{"type", "text"}, {"text", "According to the document, "}}));
  EXPECT_EQ(content[1].at("text"), "The grass is green.");
  EXPECT_EQ(content[1].at("citations"), (json::array{{{"type", "char_location"},
                                                      {"cited_text", "The grass is green."},
                                                      {"document_index", 0},
                                                      {"document_title", "Facts"},
                                                      {"start_char_index", 0},
                                                      {"end_char_index", 19}}}));
  EXPECT_EQ(content[2], (json::object{{"type", "text"}, {"text", " You said: Colour?"}}));
}

TEST(FakeCitations, OffsetsCountCharactersAndSkipLeadingSpace) {
  // "  \u00c9t\u00e9 chaud! Oui." : the quote starts at character 2 and ends after the '!'.
  const auto content = content_in_both_forms(request(
      {user(json::array{text_document("  \u00c9t\u00e9 chaud! Oui."), text_block("Weather?")})}));
  ASSERT_EQ(content.size(), 3u);
  const auto& c = content[1].at("citations").at(0);
  EXPECT_EQ(c.at("cited_text"), "\u00c9t\u00e9 chaud!");
  EXPECT_EQ(c.at("start_char_index"), 2);
  EXPECT_EQ(c.at("end_char_index"), 12);
  EXPECT_TRUE(c.at("document_title").is_null());
  // No sentence end within 100 characters: the first 100.
  const std::string long_text(150, 'x');
  const auto cut = content_in_both_forms(
      request({user(json::array{text_document(long_text), text_block("?")})}));
  EXPECT_EQ(cut[1].at("citations").at(0).at("end_char_index"), 100);
  EXPECT_EQ(cut[1].at("text").as_string(), std::string(100, 'x'));
}

TEST(FakeCitations, AContentDocumentIsCitedByBlockAndDocumentsAreCountedAcrossTheRequest) {
  const json::array history = {
      user(json::array{text_document("Old news.", nullptr, false), text_block("Read this.")}),
      assistant("Done."),
      user(json::array{content_document({"", "First chunk.", "Second chunk."}),
                       text_block("Summarize.")})};
  const auto content = content_in_both_forms(request(history));
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[1].at("text"), "First chunk.");
  EXPECT_EQ(content[1].at("citations"), (json::array{{{"type", "content_block_location"},
                                                      {"cited_text", "First chunk."},
                                                      {"document_index", 1},
                                                      {"document_title", nullptr},
                                                      {"start_block_index", 1},
                                                      {"end_block_index", 2}}}));
}

TEST(FakeCitations, TheStreamCarriesTheCitationAsADelta) {
  const auto body =
      streaming(request({user(json::array{text_document("A b c. D."), text_block("?")})}));
  const auto r = create(body);
  std::string all;
  for (const auto& e : r.events) all += e;
  EXPECT_NE(all.find(R"("index":1,"content_block":{"type":"text","text":"","citations":[]}})"),
            std::string::npos);
  EXPECT_NE(
      all.find(
          R"({"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"A b c.")"),
      std::string::npos);
}

TEST(FakeCitations, WithoutEnabledCitationsOrWhenCutShortThereIsNoCitation) {
  const auto plain = content_in_both_forms(
      request({user(json::array{text_document("One. Two.", nullptr, false), text_block("x")})}));
  EXPECT_EQ(plain, (json::array{{{"type", "text"}, {"text", "You said: x"}}}));
  // max_tokens ends the reply inside the quote: the quote is kept without its citation.
  const auto cut = content_in_both_forms(
      request({user(json::array{text_document("Alpha beta gamma delta."), text_block("x")})},
              "claude-sonnet-4-5", 6));
  ASSERT_EQ(cut.size(), 2u);
  EXPECT_EQ(cut[1], (json::object{{"type", "text"}, {"text", "Alpha"}}));
}

}  // namespace
