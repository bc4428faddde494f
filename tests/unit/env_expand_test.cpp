#include "server/config/env_expand.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "server/config/config_error.hpp"

namespace gw {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string error_of(std::string_view text, const EnvLookup& env) {
  try {
    expand_env(text, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(EnvExpand, TextWithoutReferencesIsUnchanged) {
  const auto env = fake_env({});
  EXPECT_EQ(expand_env("", env), "");
  EXPECT_EQ(expand_env("plain: text # not a comment", env), "plain: text # not a comment");
}

TEST(EnvExpand, SetVariableIsSubstituted) {
  const auto env = fake_env({{"HOST", "example.com"}, {"PORT", "8443"}});
  EXPECT_EQ(expand_env("${HOST}", env), "example.com");
  EXPECT_EQ(expand_env("https://${HOST}:${PORT}/", env), "https://example.com:8443/");
}

TEST(EnvExpand, ValueIsNotExpandedAgain) {
  const auto env = fake_env({{"A", "${B}"}, {"B", "no"}});
  EXPECT_EQ(expand_env("${A}", env), "${B}");
}

TEST(EnvExpand, SetButEmptyVariableWithoutDefaultIsEmpty) {
  EXPECT_EQ(expand_env("[${EMPTY}]", fake_env({{"EMPTY", ""}})), "[]");
}

TEST(EnvExpand, UnsetVariableWithoutDefaultIsAnErrorNamingIt) {
  const std::string error = error_of("key ${MISSING_KEY} here", fake_env({}));
  EXPECT_NE(error.find("MISSING_KEY"), std::string::npos) << error;
  EXPECT_NE(error.find("not set"), std::string::npos) << error;
}

TEST(EnvExpand, DefaultAppliesWhenUnsetOrEmpty) {
  const auto env = fake_env({{"EMPTY", ""}, {"SET", "value"}});
  EXPECT_EQ(expand_env("${UNSET:-127.0.0.1:8080}", env), "127.0.0.1:8080");
  EXPECT_EQ(expand_env("${EMPTY:-fallback}", env), "fallback");
  EXPECT_EQ(expand_env("${SET:-fallback}", env), "value");
  EXPECT_EQ(expand_env("${UNSET:-}", env), "");
  EXPECT_EQ(expand_env("a${UNSET:-b}c", env), "abc");
}

TEST(EnvExpand, DefaultIsLiteral) {
  EXPECT_EQ(expand_env("${UNSET:-$HOME #x}", fake_env({{"HOME", "/root"}})), "$HOME #x");
}

TEST(EnvExpand, DoubleDollarIsALiteralDollar) {
  const auto env = fake_env({{"X", "1"}});
  EXPECT_EQ(expand_env("$$", env), "$");
  EXPECT_EQ(expand_env("pa$$word", env), "pa$word");
  EXPECT_EQ(expand_env("$${X}", env), "${X}");
  EXPECT_EQ(expand_env("$$$${X}", env), "$${X}");
  EXPECT_EQ(expand_env("$$${X}", env), "$1");
}

TEST(EnvExpand, LoneDollarIsKept) {
  const auto env = fake_env({});
  EXPECT_EQ(expand_env("cost $5", env), "cost $5");
  EXPECT_EQ(expand_env("end$", env), "end$");
  EXPECT_EQ(expand_env("$HOME", env), "$HOME");
}

TEST(EnvExpand, UnterminatedReferenceIsAnError) {
  const auto env = fake_env({{"X", "1"}});
  EXPECT_NE(error_of("${X", env).find("unterminated"), std::string::npos);
  EXPECT_NE(error_of("abc ${", env).find("unterminated"), std::string::npos);
  EXPECT_NE(error_of("${X:-default", env).find("unterminated"), std::string::npos);
}

TEST(EnvExpand, InvalidNameIsAnError) {
  const auto env = fake_env({});
  EXPECT_NE(error_of("${}", env).find("invalid environment variable name"), std::string::npos);
  EXPECT_NE(error_of("${1X}", env).find("invalid"), std::string::npos);
  EXPECT_NE(error_of("${A B}", env).find("invalid"), std::string::npos);
  EXPECT_NE(error_of("${A-b}", env).find("invalid"), std::string::npos);
}

TEST(EnvExpand, ProcessEnvReadsTheEnvironment) {
  ::setenv("GW_ENV_EXPAND_TEST_VAR", "from-process", 1);
  ::unsetenv("GW_ENV_EXPAND_TEST_UNSET");
  const EnvLookup env = process_env();
  EXPECT_EQ(env("GW_ENV_EXPAND_TEST_VAR"), std::optional<std::string>("from-process"));
  EXPECT_EQ(env("GW_ENV_EXPAND_TEST_UNSET"), std::nullopt);
  EXPECT_EQ(expand_env("${GW_ENV_EXPAND_TEST_VAR}", env), "from-process");
  ::unsetenv("GW_ENV_EXPAND_TEST_VAR");
}

}  // namespace
}  // namespace gw
