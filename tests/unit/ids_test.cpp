#include "server/common/ids.hpp"

#include <gtest/gtest.h>

#include <set>

TEST(Ids, PrefixAndLengthAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = gw::make_id("req_");
    ASSERT_EQ(id.size(), 28u);
    ASSERT_EQ(id.rfind("req_", 0), 0u);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}
