// The playground page at / (issue 13, item 7): the built-in copy of web/ or the files of
// playground.dir, with the types and the policy a browser needs, and nothing else of the
// disk reachable through it.

#include "server/ops/playground_routes.hpp"
#include "support/expect_error.hpp"
#include "support/http_test_client.hpp"
#include "support/running_fake.hpp"
#include "support/running_gateway.hpp"
#include "support/source_tree.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

namespace gw::test {
namespace {

namespace fs = std::filesystem;

const fs::path kWebDir = source_tree() / "web";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

void expect_page_file(const HttpResult& r, std::string_view type) {
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type"), std::string(type));
  EXPECT_EQ(r.header("cache-control"), "no-cache");
  EXPECT_EQ(r.header("content-security-policy"), std::string(kPlaygroundCsp));
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
}

class PlaygroundTest : public ::testing::Test {
 protected:
  using Tweak = std::function<void(Config&)>;
  explicit PlaygroundTest(const Tweak& tweak = {}) : gateway_(config(tweak)) {}
  Config config(const Tweak& tweak) {
    auto c = gateway_config(fake_);
    c.auth.keys.push_back({"team-a", "key-a", {}, 0, 0});
    if (tweak) tweak(c);
    return c;
  }
  HttpResult get(std::string_view target) {
    return http_request("GET", gateway_.base_url() + std::string(target));
  }

  RunningFake fake_;
  RunningGateway gateway_;
};

TEST_F(PlaygroundTest, ThePageAndItsAssetsAreServedWithoutAKey) {
  auto page = get("/");
  expect_page_file(page, "text/html; charset=utf-8");
  EXPECT_EQ(page.body, read_file(kWebDir / "index.html"));
  // The policy forbids inline script, so the page has none: only files of its own.
  EXPECT_NE(page.body.find(R"(<script type="module" src="/playground/app.js">)"),
            std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_EQ(page.body.find("onclick="), std::string::npos);

  auto js = get("/playground/app.js");
  expect_page_file(js, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, read_file(kWebDir / "app.js"));
  auto css = get("/playground/style.css");
  expect_page_file(css, "text/css; charset=utf-8");
  EXPECT_EQ(css.body, read_file(kWebDir / "style.css"));
  expect_page_file(get("/playground/index.html"), "text/html; charset=utf-8");
  // A query string (a cache buster) changes nothing.
  EXPECT_EQ(get("/playground/app.js?v=2").body, js.body);
}

TEST_F(PlaygroundTest, AnUnknownFileIs404) {
  expect_error(get("/playground/nope.js"), 404, "not_found_error", "nope.js");
  expect_error(get("/playground/"), 404, "not_found_error");
  expect_error(get("/playground/app.js/more"), 404, "not_found_error");
}

TEST_F(PlaygroundTest, TraversalFindsNothing) {
  for (const char* target :
       {"/playground/../README.md", "/playground/..%2fREADME.md", "/playground/%2e%2e%2fREADME.md",
        "/playground/..", "/playground/%2e%2e", "/playground/.gitignore",
        "/playground/..%5cREADME.md", "/playground/%2fetc%2fpasswd", "/playground/app.js%00.css"}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 404u) << target << ": " << r.body;
  }
}

TEST_F(PlaygroundTest, OtherMethodsAre405) {
  auto r = http_request("POST", gateway_.base_url() + "/", {}, "x");
  expect_error(r, 405, "invalid_request_error");
  EXPECT_EQ(r.header("allow"), "GET");
}

// playground.dir: the page from a folder, for editing it without a rebuild. Beside the
// folder lies a file that must stay out of reach.
struct PageFolder {
  PageFolder() {
    fs::create_directories(web());
    write_file(root.path() / "secret.yaml", "upstream key");
    write_file(web() / "index.html", "<!doctype html><p>from the folder</p>");
    write_file(web() / "app.js", "console.log('edited');");
    write_file(web() / "logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    fs::create_directories(web() / "sub");
    write_file(web() / "sub" / "deep.js", "nested");
    write_file(web() / ".env", "hidden");
    ::mkfifo((web() / "pipe.js").c_str(), 0600);  // would block a reader forever
  }
  fs::path web() const { return root.path() / "web"; }
  TempDir root;
};

class PlaygroundDirTest : public PlaygroundTest {
 protected:
  static PageFolder& folder() {
    static PageFolder f;
    return f;
  }
  PlaygroundDirTest()
      : PlaygroundTest([](Config& c) { c.playground.dir = folder().web().string(); }) {}
};

TEST_F(PlaygroundDirTest, FilesComeFromTheFolder) {
  auto page = get("/");
  expect_page_file(page, "text/html; charset=utf-8");
  EXPECT_EQ(page.body, "<!doctype html><p>from the folder</p>");
  auto js = get("/playground/app.js");
  expect_page_file(js, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "console.log('edited');");
  expect_page_file(get("/playground/logo.svg"), "image/svg+xml");
  // Not in the folder: the built-in copy is not used instead.
  EXPECT_EQ(get("/playground/style.css").status, 404u);
}

TEST_F(PlaygroundDirTest, NothingOutsideTheFolderNorHiddenNorSpecialIsServed) {
  for (const char* target :
       {"/playground/../secret.yaml", "/playground/..%2fsecret.yaml",
        "/playground/%2e%2e%2fsecret.yaml", "/playground/sub", "/playground/sub%2fdeep.js",
        "/playground/sub/deep.js", "/playground/.env", "/playground/pipe.js", "/playground/..",
        "/playground/."}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 404u) << target << ": " << r.body;
    EXPECT_EQ(r.body.find("upstream key"), std::string::npos) << target;
  }
}

class PlaygroundOffTest : public PlaygroundTest {
 protected:
  PlaygroundOffTest() : PlaygroundTest([](Config& c) { c.playground.enabled = false; }) {}
};

TEST_F(PlaygroundOffTest, DisabledMeansNoPage) {
  expect_error(get("/"), 404, "not_found_error");
  expect_error(get("/playground/app.js"), 404, "not_found_error");
}

}  // namespace
}  // namespace gw::test
