#include "server/http/request_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gw {
namespace {

constexpr std::size_t kHeaderLimit = 16 * 1024;
const RequestReader::Limits kLimits{kHeaderLimit, 1024 * 1024};

// Feeds `wire` to a reader `step` bytes at a time, as a connection would (a buffer made
// with buffer_limit(), filled up to its room), and returns the last step.
struct Fed {
  RequestReader::Step step;
  std::size_t fed;  // bytes the reader took in before it stopped
};

Fed feed(RequestReader& reader, const std::string& wire, std::size_t step = 4096) {
  beast::flat_buffer buffer(RequestReader::buffer_limit(kLimits));
  std::size_t pos = 0;
  for (;;) {
    auto s = reader.parse(buffer);
    if (s == RequestReader::Step::header_done) continue;
    if (s != RequestReader::Step::need_more) return {s, pos};
    std::size_t room = buffer.max_size() - buffer.size();
    std::size_t n = std::min({step, room, wire.size() - pos});
    if (n == 0) return {s, pos};
    auto dst = buffer.prepare(n);
    std::memcpy(dst.data(), wire.data() + pos, n);
    buffer.commit(n);
    pos += n;
  }
}

unsigned refusal_status(const RequestReader& reader) {
  return static_cast<unsigned>(reader.refusal().status);
}

TEST(RequestReader, ReadsContentLengthAndChunkedBodies) {
  for (std::size_t step : {1u, 7u, 4096u}) {
    RequestReader a(kLimits);
    auto r =
        feed(a, "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", step);
    ASSERT_EQ(r.step, RequestReader::Step::complete) << step;
    EXPECT_EQ(a.request().body(), "hello");

    RequestReader b(kLimits);
    r = feed(b,
             "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n",
             step);
    ASSERT_EQ(r.step, RequestReader::Step::complete) << step;
    EXPECT_EQ(b.request().body(), "abcde");
  }
}

TEST(RequestReader, HeaderBlockOverTheLimitIs431WhateverItsShape) {
  // One big field.
  RequestReader a(kLimits);
  auto r =
      feed(a, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17000, 'a') + "\r\n\r\n");
  ASSERT_EQ(r.step, RequestReader::Step::refused);
  EXPECT_EQ(refusal_status(a), 431u);
  EXPECT_EQ(a.refusal().type, "invalid_request_error");

  // A long URL plus fields just under the limit each: 18,000 bytes in all. Beast counts
  // the request line and the fields against the limit separately.
  RequestReader b(kLimits);
  std::string wire = "GET /" + std::string(1700, 'u') + " HTTP/1.1\r\nHost: x\r\n";
  while (wire.size() < 18000 - 4) wire += "X-F: " + std::string(90, 'f') + "\r\n";
  wire += "\r\n";
  r = feed(b, wire, 18000);
  ASSERT_EQ(r.step, RequestReader::Step::refused);
  EXPECT_EQ(refusal_status(b), 431u);

  // Just over the limit, arriving in pieces: the request line is taken on its own, and
  // the put that ends the header must count too (the fuzz target found it did not).
  std::string over = "GET /" + std::string(40, 'u') + " HTTP/1.1\r\nX: ";
  over += std::string(kHeaderLimit + 2 - over.size() - 4, 'a') + "\r\n\r\n";
  for (std::size_t step : {1u, 7u, 100u, 4096u}) {
    RequestReader d(kLimits);
    ASSERT_EQ(feed(d, over, step).step, RequestReader::Step::refused) << step;
    EXPECT_EQ(refusal_status(d), 431u) << step;
  }

  // Exactly at the limit is fine.
  RequestReader c(kLimits);
  std::string at = "GET / HTTP/1.1\r\nX: ";
  at += std::string(kHeaderLimit - at.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(at.size(), kHeaderLimit);
  EXPECT_EQ(feed(c, at).step, RequestReader::Step::complete);
  for (std::size_t step : {1u, 7u, 100u}) {
    RequestReader e(kLimits);
    EXPECT_EQ(feed(e, at, step).step, RequestReader::Step::complete) << step;
  }
}

TEST(RequestReader, TrailerFloodStopsAtTheLimit) {
  RequestReader reader(kLimits);
  std::string wire =
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n";
  std::string line = "X-T: " + std::string(100, 't') + "\r\n";
  while (wire.size() < 10 * 1024 * 1024) wire += line;
  auto r = feed(reader, wire);
  ASSERT_EQ(r.step, RequestReader::Step::refused);
  EXPECT_EQ(refusal_status(reader), 431u);
  EXPECT_LT(r.fed, 2 * kHeaderLimit);  // it stopped taking bytes at about the limit
}

TEST(RequestReader, TrailerFieldsAreRefusedNotMerged) {
  RequestReader reader(kLimits);
  auto r = feed(reader,
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "1\r\na\r\n0\r\nx-api-key: sneaked-in\r\n\r\n");
  ASSERT_EQ(r.step, RequestReader::Step::refused);
  EXPECT_EQ(refusal_status(reader), 400u);
  EXPECT_NE(reader.refusal().message.find("trailer"), std::string::npos);
}

TEST(RequestReader, BadChunkSizeIs400) {
  RequestReader reader(kLimits);
  auto r =
      feed(reader, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
  ASSERT_EQ(r.step, RequestReader::Step::refused);
  EXPECT_EQ(refusal_status(reader), 400u);
}

TEST(RequestReader, OnlyChunkedIsAcceptedAsTransferCoding) {
  struct Case {
    std::string fields;
    unsigned status;
  };
  for (const auto& c : {
           Case{"Transfer-Encoding: gzip, chunked\r\n", 501},
           Case{"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501},
           Case{"Transfer-Encoding: xchunked\r\nContent-Length: 3\r\n", 400},
           Case{"Content-Length: 3\r\nTransfer-Encoding: xchunked\r\n", 400},
           Case{"Transfer-Encoding: chunked, gzip\r\n", 400},
           Case{"Transfer-Encoding: identity\r\n", 400},
           Case{"Transfer-Encoding: \r\n", 400},
           Case{"Transfer-Encoding: chunked;x=1\r\n", 400},
       }) {
    RequestReader reader(kLimits);
    auto r = feed(reader, "POST / HTTP/1.1\r\nHost: x\r\n" + c.fields + "\r\nabc");
    ASSERT_EQ(r.step, RequestReader::Step::refused) << c.fields;
    EXPECT_EQ(refusal_status(reader), c.status) << c.fields;
  }
  RequestReader http10(kLimits);
  auto r = feed(http10, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  ASSERT_EQ(r.step, RequestReader::Step::refused);
  EXPECT_EQ(refusal_status(http10), 400u);
}

TEST(RequestReader, BodyOverTheLimitIs413AndLeftUnread) {
  RequestReader declared(kLimits);
  auto r = feed(declared, "POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\nabc");
  ASSERT_EQ(r.step, RequestReader::Step::refused);
  EXPECT_EQ(refusal_status(declared), 413u);
  EXPECT_TRUE(declared.body_unread());

  RequestReader chunked(kLimits);
  std::string wire = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) wire += "8000\r\n" + std::string(0x8000, 'b') + "\r\n";
  r = feed(chunked, wire);
  ASSERT_EQ(r.step, RequestReader::Step::refused);
  EXPECT_EQ(refusal_status(chunked), 413u);
}

TEST(RequestReader, MalformedStartLineIs400) {
  RequestReader reader(kLimits);
  auto r = feed(reader, "GET\x01 / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(r.step, RequestReader::Step::refused);
  EXPECT_EQ(refusal_status(reader), 400u);
}

TEST(RequestReader, PipelinedRequestStaysInTheBuffer) {
  beast::flat_buffer buffer(RequestReader::buffer_limit(kLimits));
  std::string wire = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  auto dst = buffer.prepare(wire.size());
  std::memcpy(dst.data(), wire.data(), wire.size());
  buffer.commit(wire.size());
  RequestReader first(kLimits);
  EXPECT_EQ(first.parse(buffer), RequestReader::Step::header_done);
  EXPECT_EQ(first.parse(buffer), RequestReader::Step::complete);
  EXPECT_EQ(first.request().target(), "/a");
  RequestReader second(kLimits);
  EXPECT_EQ(second.parse(buffer), RequestReader::Step::header_done);
  EXPECT_EQ(second.parse(buffer), RequestReader::Step::complete);
  EXPECT_EQ(second.request().target(), "/b");
  EXPECT_EQ(buffer.size(), 0u);
}

}  // namespace
}  // namespace gw
