#include "server/http/multipart_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gw {
namespace {

constexpr std::string_view kType = "multipart/form-data; boundary=XyZ";

// A body as curl -F writes it: a text field, a binary file whose bytes hold "--", CRs,
// LFs and most of the delimiter, then the close.
std::string sample_body() {
  std::string png("\x89PNG\r\n\x1a\n\0\0\r\n--Xy\r\n--XyQ--\r\n-", 26);
  return "preamble to ignore\r\n"
         "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"content\"\r\n"
         "\r\n"
         "What is this?\r\n"
         "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"image\"; filename=\"photo.png\"\r\n"
         "Content-Type: image/png\r\n"
         "\r\n" +
         png +
         "\r\n"
         "--XyZ--\r\n"
         "epilogue --XyZ\r\n garbage";
}

std::vector<FormPart> parse_ok(std::string_view body, MultipartLimits limits = {}) {
  auto parsed = parse_multipart(kType, body, limits);
  if (auto* e = std::get_if<MultipartError>(&parsed)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<std::vector<FormPart>>(parsed);
}

std::string parse_error(std::string_view body, MultipartLimits limits = {}) {
  auto parsed = parse_multipart(kType, body, limits);
  if (auto* e = std::get_if<MultipartError>(&parsed)) return e->message;
  ADD_FAILURE() << "parsed: " << body;
  return {};
}

bool same(const std::vector<FormPart>& a, const std::vector<FormPart>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].filename != b[i].filename ||
        a[i].content_type != b[i].content_type || a[i].data != b[i].data) {
      return false;
    }
  }
  return true;
}

TEST(MultipartParser, ReadsFieldsAndFiles) {
  const auto parts = parse_ok(sample_body());
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "content");
  EXPECT_FALSE(parts[0].filename);
  EXPECT_EQ(parts[0].content_type, "");
  EXPECT_EQ(parts[0].data, "What is this?");
  EXPECT_EQ(parts[1].name, "image");
  EXPECT_EQ(parts[1].filename, "photo.png");
  EXPECT_EQ(parts[1].content_type, "image/png");
  EXPECT_EQ(parts[1].data, std::string("\x89PNG\r\n\x1a\n\0\0\r\n--Xy\r\n--XyQ--\r\n-", 26));
}

TEST(MultipartParser, EverySplitGivesTheSameParts) {
  const std::string body = sample_body();
  const auto whole = parse_ok(body);
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    MultipartParser p("XyZ");
    ASSERT_TRUE(p.feed(std::string_view(body).substr(0, cut))) << cut;
    ASSERT_TRUE(p.feed(std::string_view(body).substr(cut))) << cut;
    ASSERT_TRUE(p.finish()) << cut;
    EXPECT_TRUE(same(p.parts(), whole)) << "cut at " << cut;
  }
  MultipartParser bytes("XyZ");
  for (char c : body) ASSERT_TRUE(bytes.feed(std::string_view(&c, 1)));
  ASSERT_TRUE(bytes.finish());
  EXPECT_TRUE(same(bytes.parts(), whole));
}

TEST(MultipartParser, BodyMayOpenWithTheDelimiterAndEmptyPartsAreKept) {
  const auto parts = parse_ok(
      "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--XyZ  \t\r\n"
      "content-disposition: FORM-DATA; NAME=\"b\"\r\nX-Other: 1\r\n\r\nB\r\n--XyZ--");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "a");
  EXPECT_EQ(parts[0].data, "");
  EXPECT_EQ(parts[1].name, "b");
  EXPECT_EQ(parts[1].data, "B");
  EXPECT_TRUE(parse_ok("--XyZ--").empty());
}

TEST(MultipartParser, QuotedNamesTakeEscapes) {
  const auto parts = parse_ok(
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\\\"b\\\\c\"; "
      "filename=\"C:\\photos\\x;y.png\"\r\n\r\nv\r\n--XyZ--\r\n");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].name, "a\"b\\c");
  EXPECT_EQ(parts[0].filename, "C:\\photos\\x;y.png");
}

TEST(MultipartParser, RefusesAMissingCloseDelimiter) {
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n"),
            "the body ends before the closing boundary delimiter");
  EXPECT_EQ(parse_error("no delimiter at all"),
            "the body ends before the closing boundary delimiter");
  EXPECT_EQ(parse_error(""), "the body ends before the closing boundary delimiter");
  EXPECT_EQ(parse_error("--XyZ-"), "the body ends before the closing boundary delimiter");
}

TEST(MultipartParser, CrlfRules) {
  EXPECT_EQ(parse_error("--XyZ\nContent-Disposition: form-data; name=a\n\nv\n--XyZ--"),
            "a boundary delimiter must be followed by CRLF or \"--\"");
  EXPECT_EQ(
      parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\nX: y\r\n\r\nv\r\n--XyZ--"),
      "part 1: header lines must end in CRLF");
  // The delimiter inside data, not followed by CRLF or "--": the sender chose a boundary
  // its data holds.
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZv"),
            "a boundary delimiter must be followed by CRLF or \"--\"");
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ --"),
            "a boundary delimiter must be followed by CRLF or \"--\"");
}

TEST(MultipartParser, RefusesPartsWithoutAName) {
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--"),
            "part 1 has no Content-Disposition: form-data header with a name");
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--XyZ\r\n"
                        "Content-Disposition: form-data; filename=\"f\"\r\n\r\nv\r\n--XyZ--"),
            "part 2 has no Content-Disposition: form-data header with a name");
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--XyZ--"),
            "part 1 has no Content-Disposition: form-data header with a name");
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZ--"),
            "part 1: Content-Disposition must be form-data");
}

TEST(MultipartParser, RefusesDuplicateAndOddHeaders) {
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
                        "Content-Disposition: form-data; name=b\r\n\r\nv\r\n--XyZ--"),
            "part 1 has two Content-Disposition headers");
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Type: a/b\r\n"
                        "content-type: c/d\r\n\r\nv\r\n--XyZ--"),
            "part 1 has two Content-Type headers");
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\r\nno colon\r\n\r\n"
                        "v\r\n--XyZ--"),
            "part 1: malformed header line");
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\r\n folded\r\n\r\n"
                        "v\r\n--XyZ--"),
            "part 1: folded header lines are not supported");
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--"),
            "part 1: malformed Content-Disposition");
  EXPECT_EQ(parse_error("--XyZ\r\nContent-Disposition: form-data; name=a\r\nX: \x01\r\n\r\n"
                        "v\r\n--XyZ--"),
            "part 1: a header holds a control character");
}

TEST(MultipartParser, Limits) {
  const std::string header =
      "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX: " + std::string(100, 'h') +
      "\r\n\r\nv\r\n--XyZ--";
  EXPECT_EQ(parse_error(header, {.max_header_bytes = 100}), "a part's headers are over 100 bytes");
  EXPECT_EQ(parse_ok(header, {.max_header_bytes = 200}).size(), 1u);
  // Without an end in sight the header is refused as soon as it passes the limit.
  MultipartParser endless("XyZ", {.max_header_bytes = 100});
  ASSERT_TRUE(endless.feed("--XyZ\r\nX: "));
  EXPECT_FALSE(endless.feed(std::string(200, 'h')));
  EXPECT_EQ(endless.error()->message, "a part's headers are over 100 bytes");

  std::string many;
  for (int i = 0; i < 3; ++i)
    many += "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n";
  many += "--XyZ--";
  EXPECT_EQ(parse_ok(many, {.max_parts = 3}).size(), 3u);
  EXPECT_EQ(parse_error(many, {.max_parts = 2}), "more than 2 parts");

  auto big = parse_multipart(kType, many, {.max_data_bytes = 2});
  ASSERT_TRUE(std::holds_alternative<MultipartError>(big));
  EXPECT_TRUE(std::get<MultipartError>(big).too_large);
  EXPECT_EQ(std::get<MultipartError>(big).message, "the parts' data is over 2 bytes");
  EXPECT_EQ(parse_ok(many, {.max_data_bytes = 3}).size(), 3u);
}

TEST(MultipartParser, Boundaries) {
  EXPECT_EQ(std::get<std::string>(multipart_boundary("multipart/form-data; boundary=abc")), "abc");
  EXPECT_EQ(std::get<std::string>(multipart_boundary("Multipart/Form-Data;boundary=\"a b:c\"")),
            "a b:c");
  EXPECT_EQ(std::get<std::string>(
                multipart_boundary("multipart/form-data; charset=x; BOUNDARY=\"q\"; x=y")),
            "q");
  auto error = [](std::string_view type) {
    auto b = multipart_boundary(type);
    return std::holds_alternative<MultipartError>(b) ? std::get<MultipartError>(b).message
                                                     : "accepted";
  };
  EXPECT_EQ(error("application/json"), "Content-Type is not multipart/form-data");
  EXPECT_EQ(error("multipart/form-data"), "multipart/form-data needs a boundary parameter");
  EXPECT_EQ(error("multipart/form-data; boundary="),
            "the boundary must be 1 to 70 characters (RFC 2046)");
  EXPECT_EQ(error("multipart/form-data; boundary=" + std::string(71, 'a')),
            "the boundary must be 1 to 70 characters (RFC 2046)");
  EXPECT_EQ(error("multipart/form-data; boundary=" + std::string(70, 'a')), "accepted");
  EXPECT_EQ(error("multipart/form-data; boundary=a\"b"),
            "the boundary holds a character RFC 2046 does not allow");
  EXPECT_EQ(error("multipart/form-data; boundary=\"ab \""),
            "the boundary must not end in a space (RFC 2046)");
  EXPECT_EQ(error("multipart/form-data; boundary=\"ab"), "malformed Content-Type parameters");
  EXPECT_TRUE(is_multipart_form(" multipart/form-data ; boundary=x"));
  EXPECT_FALSE(is_multipart_form("multipart/mixed; boundary=x"));
}

TEST(MultipartParser, ByteByByteStaysLinear) {
  // A large file fed a byte at a time: each byte is looked at a bounded number of times.
  std::string body = "--XyZ\r\nContent-Disposition: form-data; name=f\r\n\r\n";
  const std::string data(2'000'000, '-');
  body += data + "\r\n--XyZ--";
  MultipartParser p("XyZ");
  for (char c : body) ASSERT_TRUE(p.feed(std::string_view(&c, 1)));
  ASSERT_TRUE(p.finish());
  ASSERT_EQ(p.parts().size(), 1u);
  EXPECT_EQ(p.parts()[0].data, data);
}

}  // namespace
}  // namespace gw
