#include "server/vision/image_sniff.hpp"
#include "server/vision/base64.hpp"
#include "tests/unit/test_images.hpp"

#include <gtest/gtest.h>

using gw::vision::sniff_image;
namespace img = gw::test_images;

TEST(ImageSniff, PngFromSpec) {
  const auto bytes = gw::vision::decode_base64(img::kSpecPngBase64);
  ASSERT_TRUE(bytes);
  const auto info = sniff_image(*bytes);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->media_type, "image/png");
  EXPECT_EQ(info->width, 1u);
  EXPECT_EQ(info->height, 1u);
}

TEST(ImageSniff, PngDimensions) {
  const auto info = sniff_image(img::png(640, 480));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->media_type, "image/png");
  EXPECT_EQ(info->width, 640u);
  EXPECT_EQ(info->height, 480u);
}

TEST(ImageSniff, JpegWalksSegmentsToSof) {
  for (const bool progressive : {false, true}) {
    const auto info = sniff_image(img::jpeg(1024, 768, progressive));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->media_type, "image/jpeg");
    EXPECT_EQ(info->width, 1024u);
    EXPECT_EQ(info->height, 768u);
  }
}

TEST(ImageSniff, JpegSkipsFillBytesAndNonSofMarkers) {
  // DHT (C4) sits in the SOF range but is not a frame header.
  std::string j = "\xFF\xD8";
  j += std::string("\xFF\xC4\x00\x04\x00\x00", 6);
  j += std::string("\xFF\xFF\xFF\xC0\x00\x11\x08\x00\x20\x00\x40\x03", 12);
  j += std::string(9, '\0');
  const auto info = sniff_image(j);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->width, 64u);
  EXPECT_EQ(info->height, 32u);
}

TEST(ImageSniff, Gif) {
  const auto info = sniff_image(img::gif(300, 200));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->media_type, "image/gif");
  EXPECT_EQ(info->width, 300u);
  EXPECT_EQ(info->height, 200u);
}

TEST(ImageSniff, WebpAllThreeFlavours) {
  for (const auto& bytes :
       {img::webp_vp8(320, 240), img::webp_vp8l(320, 240), img::webp_vp8x(320, 240)}) {
    const auto info = sniff_image(bytes);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->media_type, "image/webp");
    EXPECT_EQ(info->width, 320u);
    EXPECT_EQ(info->height, 240u);
  }
  const auto big = sniff_image(img::webp_vp8x(16000, 9000));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->width, 16000u);
  EXPECT_EQ(big->height, 9000u);
}

TEST(ImageSniff, TruncatedHeadersAreRejected) {
  for (const std::string& full :
       {img::png(10, 10), img::jpeg(10, 10, false), img::gif(10, 10), img::webp_vp8(10, 10),
        img::webp_vp8l(10, 10), img::webp_vp8x(10, 10)}) {
    // Every prefix that stops before the dimension fields fails cleanly.
    for (std::size_t n = 0; n < 24; ++n) {
      const auto info = sniff_image(std::string_view(full).substr(0, n));
      if (info) {
        EXPECT_EQ(info->width, 10u);
      }
    }
  }
  EXPECT_FALSE(sniff_image(img::png(10, 10).substr(0, 23)));
  EXPECT_FALSE(sniff_image(img::gif(10, 10).substr(0, 9)));
  EXPECT_FALSE(sniff_image(img::webp_vp8(10, 10).substr(0, 29)));
  EXPECT_FALSE(sniff_image(img::webp_vp8l(10, 10).substr(0, 24)));
  EXPECT_FALSE(sniff_image(img::webp_vp8x(10, 10).substr(0, 29)));
  const std::string j = img::jpeg(10, 10, false);
  EXPECT_FALSE(sniff_image(j.substr(0, j.find(std::string("\xFF\xC0", 2)) + 8)));
}

TEST(ImageSniff, RejectsOtherDataAndZeroDimensions) {
  EXPECT_FALSE(sniff_image(""));
  EXPECT_FALSE(sniff_image("hello world, this is not an image"));
  EXPECT_FALSE(sniff_image("%PDF-1.7\n"));
  EXPECT_FALSE(sniff_image(img::png(0, 10)));
  EXPECT_FALSE(sniff_image(img::gif(10, 0)));
  // JPEG whose scan starts before any frame header.
  EXPECT_FALSE(sniff_image(std::string("\xFF\xD8\xFF\xDA\x00\x02", 6)));
  // A segment length pointing past the end.
  EXPECT_FALSE(sniff_image(std::string("\xFF\xD8\xFF\xE0\xFF\xFF\x00", 7)));
}
