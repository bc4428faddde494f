#include "server/vision/base64.hpp"

#include <gtest/gtest.h>

using gw::vision::decode_base64;

TEST(Base64Decode, Rfc4648Vectors) {
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("Zg=="), "f");
  EXPECT_EQ(decode_base64("Zm8="), "fo");
  EXPECT_EQ(decode_base64("Zm9v"), "foo");
  EXPECT_EQ(decode_base64("Zm9vYg=="), "foob");
  EXPECT_EQ(decode_base64("Zm9vYmE="), "fooba");
  EXPECT_EQ(decode_base64("Zm9vYmFy"), "foobar");
}

TEST(Base64Decode, BinaryAndFullAlphabet) {
  const auto out = decode_base64("AP/+/w==");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, std::string("\x00\xff\xfe\xff", 4));
  EXPECT_TRUE(decode_base64("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
}

TEST(Base64Decode, RejectsBadPadding) {
  EXPECT_FALSE(decode_base64("Zg"));        // unpadded
  EXPECT_FALSE(decode_base64("Zg="));       // short
  EXPECT_FALSE(decode_base64("Z==="));      // three pads
  EXPECT_FALSE(decode_base64("===="));      // only pads
  EXPECT_FALSE(decode_base64("Zg==Zg=="));  // padding in the middle
  EXPECT_FALSE(decode_base64("Z=g="));      // pad before data
}

TEST(Base64Decode, RejectsInvalidCharacters) {
  EXPECT_FALSE(decode_base64("Zm9v\nYmFy"));
  EXPECT_FALSE(decode_base64("Zm9 vYmFy"));
  EXPECT_FALSE(decode_base64("Zm9-YmF_"));  // URL-safe alphabet
  EXPECT_FALSE(decode_base64("Zm9*"));
  EXPECT_FALSE(decode_base64(std::string_view("Zm9\0", 4)));
  EXPECT_FALSE(decode_base64("Zm\xc3\xa9"));
}

TEST(Base64Encode, Rfc4648VectorsAndRoundTrip) {
  using gw::vision::encode_base64;
  EXPECT_EQ(encode_base64(""), "");
  EXPECT_EQ(encode_base64("f"), "Zg==");
  EXPECT_EQ(encode_base64("fo"), "Zm8=");
  EXPECT_EQ(encode_base64("foo"), "Zm9v");
  EXPECT_EQ(encode_base64("foob"), "Zm9vYg==");
  EXPECT_EQ(encode_base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(encode_base64("foobar"), "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    EXPECT_EQ(decode_base64(encode_base64(all.substr(0, n))), all.substr(0, n));
  }
}
