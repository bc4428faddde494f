// The playground's files (issue 13, item 7): what the build embedded, which names may be
// looked up in playground.dir, and the types they are served with.

#include "server/ops/playground_files.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace gw {
namespace {

TEST(PlaygroundFiles, ThePageAndItsAssetsAreEmbedded) {
  std::set<std::string> names;
  for (const auto& f : embedded_playground_files()) {
    names.insert(std::string(f.name));
    EXPECT_FALSE(f.content.empty()) << f.name;
  }
  EXPECT_TRUE(names.contains("index.html"));
  EXPECT_TRUE(names.contains("app.js"));
  EXPECT_TRUE(names.contains("style.css"));
}

TEST(PlaygroundFiles, OnlyPlainSingleSegmentNamesAreLookedUp) {
  for (const char* ok : {"index.html", "app.js", "style.css", "logo-2_x.svg", "a"}) {
    EXPECT_TRUE(playground_name_ok(ok)) << ok;
  }
  for (const char* bad : {"", ".", "..", "../config.yaml", "..%2fconfig.yaml", "%2e%2e", "a/b",
                          "a\\b", ".env", ".hidden.js", "a b", "a\nb", "/etc/passwd", "C:app.js"}) {
    EXPECT_FALSE(playground_name_ok(bad)) << bad;
  }
  EXPECT_FALSE(playground_name_ok(std::string("a\0b", 3)));
  EXPECT_FALSE(playground_name_ok(std::string(256, 'a')));
}

TEST(PlaygroundFiles, ContentTypesFollowTheExtension) {
  EXPECT_EQ(playground_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(playground_content_type("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(playground_content_type("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(playground_content_type("shot.png"), "image/png");
  EXPECT_EQ(playground_content_type("notes"), "application/octet-stream");
  EXPECT_EQ(playground_content_type("app.js.bak"), "application/octet-stream");
}

}  // namespace
}  // namespace gw
