// Images on sessions through the gateway: a real PNG's bytes reach upstream intact in
// every turn, and the SQLite store keeps it once however many turns carry it.

#include "server/store/sqlite_statement.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <filesystem>
#include <string>

namespace gw::test {
namespace {

namespace json = boost::json;

// A real 1x1 PNG (the reference's section 3.5). Its size in the database is shown by the
// store's own test (tests/unit/store_conformance_test.cpp); here, the row counts.
std::string png_base64() {
  return "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSu"
         "QmCC";
}

std::int64_t rows(const std::filesystem::path& db, const char* table) {
  SqliteDb conn(db.string(), SQLITE_OPEN_READONLY);
  SqliteStatement q(conn, (std::string("SELECT count(*) FROM ") + table).c_str());
  StatementUse use(q);
  use->step();
  return q.int_at(0);
}

class SessionImagesTest : public GatewayFixture {};

TEST_F(SessionImagesTest, TheSameImageInTwentyTurnsIsStoredOnceAndSentIntactEachTime) {
  TempDir dir("gw-images-");
  start([&](Config& c) {
    c.store.backend = "sqlite";
    c.store.data_dir = dir.string();
  });
  auto created = call("POST", "/gateway/v1/sessions", R"({"cache":"off"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(parse_object(created.body)["id"].as_string());
  const std::string content =
      R"([{"type":"image","source":{"type":"base64","media_type":"image/png","data":")" +
      png_base64() + R"("}},{"type":"text","text":"and this one?"}])";
  for (int i = 0; i < 20; ++i) {
    auto r =
        call("POST", "/gateway/v1/sessions/" + id + "/messages", R"({"content":)" + content + "}");
    ASSERT_EQ(r.status, 200u) << r.body;
    // The fake reads the image's header: the bytes arrived whole, turn after turn.
    EXPECT_NE(r.body.find("[image image/png 1x1, 69 bytes, sha256 b1ff9c8ea3a7]"),
              std::string::npos)
        << r.body;
  }
  // The last request carried all twenty, each exactly as sent.
  const auto sent = json::parse(fake().recorded().back().body).at("messages").as_array();
  ASSERT_EQ(sent.size(), 39u);
  for (std::size_t i = 0; i < sent.size(); i += 2) {
    EXPECT_EQ(sent[i].at("content"), json::parse(content)) << i;
  }
  auto history = parse_object(call("GET", "/gateway/v1/sessions/" + id).body)["messages"];
  EXPECT_EQ(history.as_array()[38].at("content"), json::parse(content));
  const auto db = dir.path() / "gateway.db";
  EXPECT_EQ(rows(db, "images"), 1);
  EXPECT_EQ(rows(db, "message_images"), 20);
  // Deleting the session takes its image with it.
  EXPECT_EQ(call("DELETE", "/gateway/v1/sessions/" + id).status, 204u);
  EXPECT_EQ(rows(db, "images"), 0);
  stop_gateway();  // before the directory goes
}

}  // namespace
}  // namespace gw::test
