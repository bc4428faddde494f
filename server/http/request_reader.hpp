#pragma once

#include "server/common/api_error.hpp"
#include "server/http/http_types.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace gw {

// Takes one request off a connection's bytes under the server's rules, without touching a
// socket (so the rules are unit-tested and fuzzed as they run):
// - the header block (request line and fields together) is at most max_header_bytes;
// - the body is at most max_body_bytes, whether declared or chunked, unless its route
//   streams it (stream_body());
// - `chunked` is the only transfer coding, never beside a Content-Length (RFC 9112 6.1,
//   where the ambiguity is what request smuggling feeds on);
// - no trailer fields: Beast would merge them into the headers after we read those.
// The connection's buffer must be made with buffer_limit(): every piece the parser needs
// whole (the header, a chunk-size line, the trailer section) must then fit in it, so no
// sender can make us hold more than that while it trickles bytes in.
class RequestReader {
 public:
  struct Limits {
    std::size_t max_header_bytes;
    std::uint64_t max_body_bytes;
  };
  enum class Step {
    need_more,    // read more bytes into the buffer, then call parse() again
    header_done,  // the header is in and accepted (answer 100-continue now if asked)
    complete,     // request() is whole
    refused,      // answer refusal(), then close the connection
  };

  explicit RequestReader(Limits limits);

  static std::size_t buffer_limit(const Limits& limits);

  // Parses what `buffer` holds and consumes what was used; returns header_done once.
  Step parse(beast::flat_buffer& buffer);

  // The body goes to its route piece by piece (forwarded as it arrives), so no limit
  // applies to its size: call between header_done and the next parse(). Otherwise the
  // body is held whole and max_body_bytes applies.
  // `within_limit`: streamed, but max_body_bytes still applies (a form the request pipeline
  // parses as it arrives).
  void stream_body(bool within_limit = false) {
    streamed_ = true;
    stream_limited_ = within_limit;
  }
  bool streamed() const { return streamed_; }
  // Content-Length as the client declared it; none for a chunked body.
  std::optional<std::uint64_t> declared_length() const {
    auto n = parser_.content_length();
    return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
  }

  Request& request() { return parser_.get(); }
  const ApiError& refusal() const { return *refusal_; }
  // The client may still be sending a body the refusal left unread.
  bool body_unread() const { return body_unread_; }

 private:
  Step refuse(ApiError error);
  // The body limit, applied once the route had its say (see stream_body()).
  std::optional<ApiError> limit_body();
  Step on_parse_error(const beast::error_code& ec);
  std::optional<ApiError> check_framing() const;

  Limits limits_;
  http::request_parser<http::string_body> parser_;
  std::size_t header_bytes_ = 0;
  std::size_t fields_in_header_ = 0;
  bool header_reported_ = false;
  // The parser asked for more of a chunk-size line or the trailer section.
  bool chunk_header_pending_ = false;
  bool body_unread_ = false;
  bool streamed_ = false;
  bool stream_limited_ = false;
  bool body_limited_ = false;
  std::optional<ApiError> refusal_;
};

}  // namespace gw
