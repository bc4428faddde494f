#include "server/sessions/assistant_content.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(AssistantContent, WithoutAPrefixTheContentIsStoredByteForByte) {
  const std::string content =
      R"j([{"type":"thinking","thinking":"hm","signature":"c2ln"},{"type":"text","text":"Hi"}])j";
  EXPECT_EQ(assistant_content("", content), content);
  // Even spacing upstream chose is kept: nothing is re-serialized.
  EXPECT_EQ(assistant_content("", R"j([ {"type": "text", "text": "x"} ])j"),
            R"j([ {"type": "text", "text": "x"} ])j");
}

TEST(AssistantContent, APrefixJoinsTheFirstTextBlockKeepingItsOtherFields) {
  const std::string cut = R"j([{"type":"text","text":"C)"}])j";
  const std::string joined = R"j([{"type":"text","text":"The answer is (C)"}])j";
  EXPECT_EQ(assistant_content("The answer is (", cut), joined);
  const std::string cited = R"j([{"type":"text","text":"sunny","citations":[{"cited_text":"s"}]},)j"
                            R"j({"type":"tool_use","id":"t","name":"n","input":{}}])j";
  const std::string cited_joined =
      R"j([{"type":"text","text":"Sure: sunny","citations":[{"cited_text":"s"}]},)j"
      R"j({"type":"tool_use","id":"t","name":"n","input":{}}])j";
  EXPECT_EQ(assistant_content("Sure: ", cited), cited_joined);
}

TEST(AssistantContent, APrefixBeforeANonTextBlockGetsABlockOfItsOwn) {
  const std::string tool = R"j([{"type":"tool_use","id":"t","name":"n","input":{}}])j";
  const std::string with_text =
      R"j([{"type":"text","text":"Calling: "},{"type":"tool_use","id":"t","name":"n","input":{}}])j";
  EXPECT_EQ(assistant_content("Calling: ", tool), with_text);
  EXPECT_EQ(assistant_content("Only this", "[]"), R"j([{"type":"text","text":"Only this"}])j");
}

}  // namespace
}  // namespace gw
