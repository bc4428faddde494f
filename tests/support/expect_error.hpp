#pragma once

// One check for an error answer in the Anthropic shape (API.md section 1), for the gateway
// and the fake alike: the status, a JSON body {"type":"error","error":{"type","message"},
// "request_id"} whose request_id is the request-id header (req_...), and, when given, a
// part of the message.

#include "support/http_test_client.hpp"
#include "support/json_object.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>
#include <string_view>

namespace gw::test {

inline void expect_error(const HttpResult& r, unsigned status, std::string_view type,
                         std::string_view message_part = {}) {
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_TRUE(r.header("content-type").value_or("").starts_with("application/json"));
  auto body = parse_object(r.body);
  EXPECT_EQ(body["type"], "error") << r.body;
  ASSERT_TRUE(body.contains("error") && body["error"].is_object()) << r.body;
  const auto& error = body["error"].as_object();
  EXPECT_EQ(error.contains("type") ? error.at("type") : nullptr, boost::json::value(type))
      << r.body;
  ASSERT_TRUE(error.contains("message") && error.at("message").is_string()) << r.body;
  const std::string message(error.at("message").as_string());
  EXPECT_FALSE(message.empty()) << r.body;
  if (!message_part.empty()) {
    EXPECT_NE(message.find(message_part), std::string::npos) << r.body;
  }
  auto rid = r.header("request-id");
  ASSERT_TRUE(rid.has_value()) << "no request-id header";
  EXPECT_TRUE(rid->starts_with("req_")) << *rid;
  EXPECT_EQ(body["request_id"], boost::json::value(*rid)) << r.body;
}

}  // namespace gw::test
