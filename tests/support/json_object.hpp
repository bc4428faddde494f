#pragma once

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace gw::test {

// The body as a JSON object; a test failure (and an empty object) when it is not one.
inline boost::json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

}  // namespace gw::test
