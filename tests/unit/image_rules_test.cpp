#include "server/vision/image_rules.hpp"
#include "server/queue/token_estimate.hpp"
#include "server/sessions/context_window.hpp"
#include "server/vision/image_header.hpp"
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace gw {
namespace {

namespace json = boost::json;
using namespace test_images;

json::object image_block(const std::string& bytes, const std::string& media_type) {
  return json::object{
      {"type", "image"},
      {"source", {{"type", "base64"}, {"media_type", media_type}, {"data", base64(bytes)}}}};
}

json::object request_with(json::array content) {
  return json::object{
      {"model", "m"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", std::move(content)}}}}};
}

std::string refusal(const json::object& request, const vision::ImageLimits& limits = {}) {
  auto e = vision::check_request_images(request, limits);
  return e ? e->message : "";
}

TEST(ImageRules, EveryFormatPassesWithItsDimensions) {
  std::vector<vision::ImageSeen> seen;
  auto r = request_with(
      {image_block(png(640, 480), "image/png"), image_block(jpeg(800, 600, true), "image/jpeg"),
       image_block(gif(32, 16), "image/gif"), image_block(webp_vp8x(1000, 2000), "image/webp"),
       json::object{{"type", "text"}, {"text", "what are these?"}}});
  EXPECT_FALSE(vision::check_request_images(r, {}, &seen));
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[1].path, "messages.0.content.1");
  EXPECT_EQ(seen[1].width, 800u);
  EXPECT_EQ(seen[3].height, 2000u);
}

TEST(ImageRules, EachRefusalNamesTheBlockInUpstreamsWords) {
  EXPECT_EQ(refusal(request_with({json::object{{"type", "text"}, {"text", "x"}},
                                  image_block(png(10, 10), "image/jpeg")})),
            "messages.0.content.1.image.source.base64.data: Image does not match the provided "
            "media type image/jpeg");
  EXPECT_EQ(refusal(request_with({image_block("hello world", "image/png")})),
            "messages.0.content.0.image.source.base64.data: Could not process image");
  // A PNG cut inside its header.
  EXPECT_EQ(refusal(request_with({image_block(png(10, 10).substr(0, 20), "image/png")})),
            "messages.0.content.0.image.source.base64.data: Could not process image");
  auto bad = request_with({image_block(png(10, 10), "image/png")});
  bad["messages"].as_array()[0].at("content").as_array()[0].at("source").as_object()["data"] =
      "iVBORw0K GgoA";
  EXPECT_EQ(refusal(bad),
            "messages.0.content.0.image.source.base64.data: The image data is not valid base64");
  EXPECT_EQ(refusal(request_with({image_block(png(10, 10), "image/bmp")})),
            "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', "
            "'image/png', 'image/gif' or 'image/webp'");
}

TEST(ImageRules, UrlAndFileSourcesPassAsTheyAre) {
  auto r = request_with(
      {json::object{{"type", "image"},
                    {"source", {{"type", "url"}, {"url", "https://example.com/a.png"}}}},
       json::object{{"type", "image"}, {"source", {{"type", "file"}, {"file_id", "file_1"}}}}});
  EXPECT_EQ(refusal(r), "");
  r = request_with({json::object{{"type", "image"}, {"source", {{"type", "path"}}}}});
  EXPECT_EQ(refusal(r),
            "messages.0.content.0.image.source: Input tag 'path' found using 'type' does not "
            "match any of the expected tags: 'base64', 'url', 'file'");
}

TEST(ImageRules, ToolResultImagesCountAndAreChecked) {
  json::array inner{image_block(gif(5, 5), "image/png")};
  auto r = request_with({json::object{
      {"type", "tool_result"}, {"tool_use_id", "toolu_1"}, {"content", std::move(inner)}}});
  EXPECT_EQ(refusal(r),
            "messages.0.content.0.content.0.image.source.base64.data: Image does not match the "
            "provided media type image/png");
}

TEST(ImageRules, SizeLimitIsOnTheBase64Text) {
  vision::ImageLimits limits;
  limits.max_bytes = 16;
  const std::string text = base64(png(10, 10));
  EXPECT_EQ(refusal(request_with({image_block(png(10, 10), "image/png")}), limits),
            "messages.0.content.0.image.source.base64: image exceeds 0.0 MB maximum: " +
                std::to_string(text.size()) + " bytes > 16 bytes");
  limits.max_bytes = 5 * 1024 * 1024;
  EXPECT_EQ(refusal(request_with({image_block(png(10, 10), "image/png")}), limits), "");
}

TEST(ImageRules, DimensionsAndTheManyImageRule) {
  EXPECT_EQ(refusal(request_with({image_block(png(8001, 10), "image/png")})),
            "messages.0.content.0.image.source.base64.data: At least one of the image dimensions "
            "exceed max allowed size: 8000 pixels");
  EXPECT_EQ(refusal(request_with({image_block(png(8000, 8000), "image/png")})), "");
  // 21 images across two messages: each side at most 2000 px.
  json::array first, second;
  for (int i = 0; i < 10; ++i) first.push_back(image_block(png(100, 100), "image/png"));
  for (int i = 0; i < 10; ++i) second.push_back(image_block(png(100, 100), "image/png"));
  second.push_back(image_block(png(2001, 100), "image/png"));
  json::object r{{"messages", json::array{json::object{{"role", "user"}, {"content", first}},
                                          json::object{{"role", "user"}, {"content", second}}}}};
  EXPECT_EQ(refusal(r),
            "messages.1.content.10.image.source.base64.data: At least one of the image "
            "dimensions exceed max allowed size for many-image requests: 2000 pixels");
  second.pop_back();
  second.push_back(image_block(png(2000, 100), "image/png"));
  r["messages"].as_array()[1].as_object()["content"] = second;
  EXPECT_EQ(refusal(r), "");
  vision::ImageLimits few;
  few.max_per_request = 20;
  EXPECT_EQ(refusal(r, few),
            "messages: Too many images in the request: 21 > 20 (the maximum per request)");
}

TEST(ImageHeader, AJpegWhoseFrameHeaderComesAfterLargeMetadataIsStillRead) {
  // Two 64 KB APP1 segments (EXIF, XMP) before the frame header: past the first decode.
  std::string big("\xFF\xD8", 2);
  for (int i = 0; i < 2; ++i) {
    big += std::string("\xFF\xE1", 2);
    put_be16(big, 0xFFF0);
    big += std::string(0xFFF0 - 2, 'x');
  }
  big += jpeg(1234, 567, false).substr(2);
  auto header = vision::read_base64_image(base64(big));
  ASSERT_TRUE(header.info);
  EXPECT_EQ(header.info->width, 1234u);
  EXPECT_EQ(header.info->height, 567u);
  // The prefix alone does not reach it.
  EXPECT_FALSE(vision::peek_base64_image(base64(big)));
  EXPECT_EQ(vision::read_base64_image("abc").problem, vision::HeaderProblem::bad_base64);
  EXPECT_EQ(vision::read_base64_image(base64("GIF89a")).problem,
            vision::HeaderProblem::not_an_image);
}

TEST(ImageTokens, UpstreamsDownscalingComesFirst) {
  EXPECT_EQ(image_tokens(1000, 1000), 1334u);
  EXPECT_EQ(image_tokens(1092, 1092), 1590u);
  // A long, thin image is scaled to a 1568 px long edge: 1568 x 52, not 3000 x 100.
  EXPECT_EQ(image_tokens(3000, 100), 109u);
  EXPECT_EQ(image_tokens(4000, 3000), 1600u);
  EXPECT_EQ(image_tokens(1, 1), 1u);
  EXPECT_EQ(image_tokens(0, 0), 1600u);
}

TEST(ImageTokens, TheContextWindowCountsAnImageByItsPixels) {
  // A 1 MB screenshot is ~1,600 tokens, not a quarter of its base64 text.
  std::string screenshot = png(1920, 1080) + std::string(1024 * 1024, '\0');
  StoredMessage m{"user", json::serialize(json::array{image_block(screenshot, "image/png")}), "t"};
  const std::size_t tokens = estimate_tokens(m);
  EXPECT_GT(tokens, 1600u);
  EXPECT_LT(tokens, 1700u);
  // Text is still about four characters a token.
  EXPECT_EQ(estimate_tokens(StoredMessage{"user", "\"" + std::string(400, 'a') + "\"", "t"}),
            100u + 4);
}

}  // namespace
}  // namespace gw

namespace gw {
namespace {

// A history of image-bearing turns: the window drops the oldest while the request's
// images would break upstream's rules and dropping mends it, never the turn's own.
std::vector<StoredMessage> image_turns(int turns, unsigned side) {
  std::vector<StoredMessage> h;
  for (int i = 0; i < turns; ++i) {
    const std::string id = "t" + std::to_string(i);
    const auto image =
        json::serialize(json::array{image_block(test_images::png(side, side), "image/png"),
                                    json::object{{"type", "text"}, {"text", "look"}}});
    h.push_back({"user", image, id});
    h.push_back({"assistant", R"("seen")", id});
  }
  return h;
}

TEST(ImageWindow, OldImageTurnsGoRatherThanTheTurnBeingRefused) {
  ContextLimits limits;
  limits.max_images = 100;
  limits.many_images = 20;
  limits.many_images_max_side = 2000;
  // 25 turns of small images: the many-image rule is kept without dropping anything.
  EXPECT_EQ(context_window(image_turns(25, 100), false, limits).size(), 50u);
  // 25 turns of 3000 px images: more than 20 with large ones is refused upstream; the
  // window keeps the newest 19 so that with the turn's own image there are 20.
  limits.fixed = MessageImages{1, 3000};
  auto window = context_window(image_turns(25, 3000), false, limits);
  EXPECT_EQ(window.size(), 38u);
  EXPECT_EQ(window.front().turn_id, "t6");
  // The per-request count: the newest 9 turns and the turn's own make 10.
  limits.max_images = 10;
  limits.fixed = MessageImages{1, 100};
  EXPECT_EQ(context_window(image_turns(25, 100), false, limits).size(), 18u);
  // The turn alone breaks the rule: nothing is dropped for it (upstream's 400 names it).
  limits.max_images = 100;
  limits.fixed = MessageImages{21, 3000};
  EXPECT_EQ(context_window(image_turns(25, 3000), false, limits).size(), 50u);
}

}  // namespace
}  // namespace gw
