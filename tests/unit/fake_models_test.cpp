#include "fake/messages_api.hpp"
#include "fake/models_catalog.hpp"
#include "tests/unit/fake_test_support.hpp"

#include <gtest/gtest.h>

namespace {

using namespace gw::fake_test;

json::object list(std::string_view query, unsigned status = 200) {
  const auto r = gw::fake::list_models(query, "req_test");
  EXPECT_EQ(r.status, status) << r.body;
  return parse_object(r.body);
}

std::vector<std::string> ids_of(const json::object& page) {
  std::vector<std::string> ids;
  for (const auto& m : page.at("data").as_array()) ids.emplace_back(m.at("id").as_string());
  return ids;
}

std::vector<std::string> catalog_ids() {
  std::vector<std::string> ids;
  for (const auto& m : gw::fake::all_models()) ids.emplace_back(m.id);
  return ids;
}

TEST(FakeModels, DefaultPageHoldsEverythingNewestFirst) {
  const auto page = list("");
  EXPECT_EQ(ids_of(page), catalog_ids());
  EXPECT_EQ(page.at("has_more"), false);
  EXPECT_EQ(page.at("first_id").as_string(), catalog_ids().front());
  EXPECT_EQ(page.at("last_id").as_string(), catalog_ids().back());
  for (const auto& m : page.at("data").as_array()) {
    EXPECT_EQ(m.at("type"), "model");
    EXPECT_TRUE(m.at("display_name").as_string().starts_with("Claude "));
    EXPECT_EQ(m.at("created_at").as_string().size(), 20u);
  }
  // Known release dates are in descending order.
  std::string previous = "9999";
  for (const auto& m : page.at("data").as_array()) {
    const std::string created(m.at("created_at").as_string());
    if (created.starts_with("1970")) continue;
    EXPECT_LE(created, previous);
    previous = created;
  }
}

TEST(FakeModels, ForwardPaginationWithAfterId) {
  std::vector<std::string> all;
  std::string query = "limit=3";
  for (int guard = 0; guard < 20; ++guard) {
    const auto page = list(query);
    const auto ids = ids_of(page);
    EXPECT_LE(ids.size(), 3u);
    all.insert(all.end(), ids.begin(), ids.end());
    if (!page.at("has_more").as_bool()) break;
    query = "limit=3&after_id=" + std::string(page.at("last_id").as_string());
  }
  EXPECT_EQ(all, catalog_ids());
}

TEST(FakeModels, BackwardPaginationWithBeforeId) {
  const auto ids = catalog_ids();
  const auto page = list("before_id=" + ids[5] + "&limit=2");
  EXPECT_EQ(ids_of(page), (std::vector<std::string>{ids[3], ids[4]}));
  EXPECT_EQ(page.at("has_more"), true);
  const auto first = list("before_id=" + ids[2] + "&limit=5");
  EXPECT_EQ(ids_of(first), (std::vector<std::string>{ids[0], ids[1]}));
  EXPECT_EQ(first.at("has_more"), false);
}

TEST(FakeModels, EmptyPageHasNullIds) {
  const auto page = list("after_id=" + catalog_ids().back());
  EXPECT_TRUE(page.at("data").as_array().empty());
  EXPECT_EQ(page.at("has_more"), false);
  EXPECT_TRUE(page.at("first_id").is_null());
  EXPECT_TRUE(page.at("last_id").is_null());
}

TEST(FakeModels, LimitBounds) {
  EXPECT_EQ(ids_of(list("limit=1")).size(), 1u);
  EXPECT_EQ(list("limit=1").at("has_more"), true);
  EXPECT_EQ(ids_of(list("limit=1000")).size(), catalog_ids().size());
  const auto bad = [](std::string_view q) {
    return error_message(gw::fake::list_models(q, "req_test"));
  };
  EXPECT_EQ(bad("limit=0"), "limit: Input should be greater than or equal to 1");
  EXPECT_EQ(bad("limit=1001"), "limit: Input should be less than or equal to 1000");
  EXPECT_EQ(bad("limit=abc"),
            "limit: Input should be a valid integer, unable to parse string as an integer");
  EXPECT_EQ(gw::fake::list_models("limit=0", "req_test").status, 400u);
}

TEST(FakeModels, AliasResolves) {
  const auto r = gw::fake::get_model("claude-sonnet-4-5", "req_test");
  ASSERT_EQ(r.status, 200u);
  const auto m = parse_object(r.body);
  EXPECT_EQ(m.at("id"), "claude-sonnet-4-5-20250929");
  EXPECT_EQ(m.at("display_name"), "Claude Sonnet 4.5");
  EXPECT_EQ(m.at("created_at"), "2025-09-29T00:00:00Z");
  EXPECT_EQ(m.at("type"), "model");
  EXPECT_EQ(parse_object(gw::fake::get_model("claude-opus-4-5", "req_test").body).at("id"),
            "claude-opus-4-5-20251101");
  EXPECT_EQ(parse_object(gw::fake::get_model("claude-haiku-4-5", "req_test").body).at("id"),
            "claude-haiku-4-5-20251001");
  EXPECT_EQ(parse_object(gw::fake::get_model("claude-opus-4-6", "req_test").body).at("id"),
            "claude-opus-4-6");
}

TEST(FakeModels, UnknownModelIs404) {
  const auto r = gw::fake::get_model("claude-nope", "req_test");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(error_message(r, "not_found_error"), "model: claude-nope");
}

TEST(FakeModels, OutputLimits) {
  EXPECT_EQ(gw::fake::find_model("claude-sonnet-4-5")->max_output_tokens, 64000u);
  EXPECT_EQ(gw::fake::find_model("claude-haiku-4-5")->max_output_tokens, 64000u);
  EXPECT_EQ(gw::fake::find_model("claude-opus-4-6")->max_output_tokens, 128000u);
  EXPECT_EQ(gw::fake::find_model("claude-opus-4-0")->max_output_tokens, 32000u);
  EXPECT_EQ(gw::fake::find_model("claude-3-5-haiku-20241022"), nullptr);
}

}  // namespace
