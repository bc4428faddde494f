#include "server/common/utf8.hpp"
#include "server/common/api_error.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace gw {
namespace {

TEST(Utf8, ValidTextIsKept) {
  EXPECT_EQ(valid_utf8(""), "");
  EXPECT_EQ(valid_utf8("no route for /v1/x"), "no route for /v1/x");
  const std::string mixed = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";
  EXPECT_EQ(valid_utf8(mixed), mixed);
}

TEST(Utf8, EachMaximalInvalidSubpartBecomesOneReplacement) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(valid_utf8("/v1/\xFF\xFE"), "/v1/" + r + r);
  EXPECT_EQ(valid_utf8("a\xC3"), "a" + r);                   // truncated at the end
  EXPECT_EQ(valid_utf8("\xE2\x82x"), r + "x");               // truncated 3-byte form
  EXPECT_EQ(valid_utf8("\xC0\xAF"), r + r);                  // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), r + r + r);          // a surrogate
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), r + r + r + r);  // past U+10FFFF
  EXPECT_EQ(valid_utf8("\x80z"), r + "z");                   // a lone continuation
}

TEST(Utf8, ErrorBodyIsAlwaysValidJson) {
  const std::string body = error_body("not_found_error", "no route for /v1/\xFF\xC3(", "req_1");
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(v.at("error").at("message"), "no route for /v1/\xEF\xBF\xBD\xEF\xBF\xBD(");
}

}  // namespace
}  // namespace gw
