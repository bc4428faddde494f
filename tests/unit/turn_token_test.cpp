// Capability tokens for events_url (issue 13, item 4): what a token grants, and that
// nothing else passes: expired, tampered, truncated, another secret's, garbage.

#include "server/turns/turn_token.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gw {
namespace {

const std::string kSecret = "a-test-secret-of-at-least-32-characters";
constexpr std::int64_t kNow = 1'700'000'000'000;

TurnClaims claims() {
  return {"ses_AAAAAAAAAAAAAAAAAAAAAAAA", "turn_BBBBBBBBBBBBBBBBBBBBBBBB", "team-a", kNow + 60'000};
}

// What the events route does with verified claims: they must name the turn in the URL.
bool grants(const std::optional<TurnClaims>& c, std::string_view session, std::string_view turn,
            std::string_view owner) {
  return c && c->session_id == session && c->turn_id == turn && c->owner == owner;
}

TEST(TurnTokens, RoundTripGivesTheClaimsBack) {
  TurnTokens tokens(kSecret);
  EXPECT_FALSE(tokens.generated());
  const std::string token = tokens.issue(claims());
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << token;
  EXPECT_EQ(tokens.verify(token, kNow), claims());
  // The same claims and secret make the same token (on every replica sharing it).
  EXPECT_EQ(TurnTokens(kSecret).issue(claims()), token);
}

TEST(TurnTokens, EmptyAndUnusualClaimsRoundTrip) {
  TurnTokens tokens(kSecret);
  for (const TurnClaims& c :
       {TurnClaims{"", "", "", 1},
        TurnClaims{std::string("a\0b", 3), "\n|:\xff", std::string(300, 'k'), kNow + 1},
        TurnClaims{"s", "t", std::string(2900, 'o'), INT64_MAX}}) {
    const std::string token = tokens.issue(c);
    EXPECT_LE(token.size(), TurnTokens::kMaxTokenChars);
    EXPECT_EQ(tokens.verify(token, 0), c);
  }
  // A token verify() would refuse is never issued.
  EXPECT_THROW(tokens.issue({"s", "t", std::string(3100, 'o'), 1}), std::length_error);
  EXPECT_THROW(tokens.issue({"s", "t", std::string(70000, 'o'), 1}), std::length_error);
}

TEST(TurnTokens, ExpiredAtItsExpiryAndAfter) {
  TurnTokens tokens(kSecret);
  const auto c = claims();
  const std::string token = tokens.issue(c);
  EXPECT_TRUE(tokens.verify(token, c.expires_at_ms - 1));
  EXPECT_FALSE(tokens.verify(token, c.expires_at_ms));
  EXPECT_FALSE(tokens.verify(token, c.expires_at_ms + 1));
}

TEST(TurnTokens, EveryFlippedByteIsRefused) {
  TurnTokens tokens(kSecret);
  const std::string token = tokens.issue(claims());
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (unsigned char bit : {0x01, 0x02, 0x04, 0x20, 0x80}) {
      std::string bad = token;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      EXPECT_FALSE(tokens.verify(bad, kNow)) << "position " << i << " bit " << int(bit);
    }
  }
}

// The token is valid; it just grants another turn, session or key. verify() says what it
// grants, and the route compares that with the URL it came on.
TEST(TurnTokens, AnotherTurnsSessionsOrOwnersTokenGrantsNothingHere) {
  TurnTokens tokens(kSecret);
  const auto mine = claims();
  auto other_turn = mine;
  other_turn.turn_id = "turn_CCCCCCCCCCCCCCCCCCCCCCCC";
  auto other_session = mine;
  other_session.session_id = "ses_DDDDDDDDDDDDDDDDDDDDDDDD";
  auto other_owner = mine;
  other_owner.owner = "team-b";
  EXPECT_TRUE(
      grants(tokens.verify(tokens.issue(mine), kNow), mine.session_id, mine.turn_id, mine.owner));
  for (const auto& other : {other_turn, other_session, other_owner}) {
    const auto got = tokens.verify(tokens.issue(other), kNow);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, other);
    EXPECT_FALSE(grants(got, mine.session_id, mine.turn_id, mine.owner));
  }
}

// Length prefixes keep fields apart: moving a byte from one id to the next is another
// token, not the same one.
TEST(TurnTokens, FieldBoundariesAreUnambiguous) {
  TurnTokens tokens(kSecret);
  EXPECT_NE(tokens.issue({"ab", "c", "o", 5}), tokens.issue({"a", "bc", "o", 5}));
  EXPECT_NE(tokens.issue({"s", "t", "ab", 5}), tokens.issue({"s", "ta", "b", 5}));
}

TEST(TurnTokens, MalformedInputIsRefusedWithoutACrash) {
  TurnTokens tokens(kSecret);
  const std::string token = tokens.issue(claims());
  EXPECT_FALSE(tokens.verify("", kNow));
  for (std::size_t n = 0; n < token.size(); ++n) {
    EXPECT_FALSE(tokens.verify(token.substr(0, n), kNow)) << "cut at " << n;
  }
  EXPECT_FALSE(tokens.verify(token + "A", kNow));
  EXPECT_FALSE(tokens.verify(token + "==", kNow));
  EXPECT_FALSE(tokens.verify("not base64 at all!", kNow));
  EXPECT_FALSE(tokens.verify(std::string("AAAA\0AAAA", 9), kNow));
  std::string padded = token;
  padded.replace(0, 1, "+");  // standard alphabet, not URL-safe
  EXPECT_FALSE(tokens.verify(padded, kNow));
  EXPECT_FALSE(tokens.verify(std::string(TurnTokens::kMaxTokenChars + 1, 'A'), kNow));
  EXPECT_FALSE(tokens.verify(std::string(10 * 1024 * 1024, 'A'), kNow));
  // Well-formed base64url of the right length but a made-up MAC.
  EXPECT_FALSE(tokens.verify(std::string(token.size(), 'A'), kNow));
}

TEST(TurnTokens, DifferentSecretsRefuseEachOthersTokens) {
  TurnTokens a(kSecret);
  TurnTokens b(kSecret + "!");
  EXPECT_FALSE(b.verify(a.issue(claims()), kNow));
  EXPECT_FALSE(a.verify(b.issue(claims()), kNow));
}

TEST(TurnTokens, AnEmptySecretIsGeneratedAndDiffersPerInstance) {
  TurnTokens a("");
  TurnTokens b("");
  EXPECT_TRUE(a.generated());
  EXPECT_TRUE(a.verify(a.issue(claims()), kNow));
  EXPECT_FALSE(b.verify(a.issue(claims()), kNow));
}

}  // namespace
}  // namespace gw
