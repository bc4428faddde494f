#include "server/redis/redis_options.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(RedisOptions, AUrlGivesHostPortDatabaseAndCredentials) {
  RedisOptions o;
  EXPECT_EQ(parse_redis_url("redis://redis:6380/2", o), "");
  EXPECT_EQ(o.host, "redis");
  EXPECT_EQ(o.port, 6380);
  EXPECT_EQ(o.db, 2);
  EXPECT_FALSE(o.tls);
  EXPECT_EQ(o.password, "");

  RedisOptions t;
  EXPECT_EQ(parse_redis_url("rediss://gw:s3cret@cache.internal/0", t), "");
  EXPECT_TRUE(t.tls);
  EXPECT_EQ(t.user, "gw");
  EXPECT_EQ(t.password, "s3cret");
  EXPECT_EQ(t.port, 6379);

  // redis-cli's reading: a lone userinfo is the password of the default user.
  RedisOptions p;
  EXPECT_EQ(parse_redis_url("redis://s3cret@[::1]:7000", p), "");
  EXPECT_EQ(p.user, "");
  EXPECT_EQ(p.password, "s3cret");
  EXPECT_EQ(p.host, "::1");
  EXPECT_EQ(p.port, 7000);
}

TEST(RedisOptions, BadUrlsAreRefusedWithAReason) {
  RedisOptions o;
  EXPECT_NE(parse_redis_url("http://redis:6379", o), "");
  EXPECT_NE(parse_redis_url("redis:///0", o), "");
  EXPECT_NE(parse_redis_url("redis://redis/zero", o), "");
  EXPECT_NE(parse_redis_url("redis://redis:0", o), "");
  EXPECT_NE(parse_redis_url("not a url", o), "");
}

TEST(RedisOptions, LogsNeverShowThePassword) {
  EXPECT_EQ(redact_redis_url("redis://gw:s3cret@redis:6379/0"), "redis://gw:redacted@redis:6379/0");
  EXPECT_EQ(redact_redis_url("redis://s3cret@redis/0"), "redis://redacted@redis/0");
  EXPECT_EQ(redact_redis_url("redis://redis:6379/0"), "redis://redis:6379/0");
}

}  // namespace
}  // namespace gw
