#include "server/http/request_reader.hpp"

#include "server/common/trim.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

namespace gw {

namespace {

// The transfer codings of every Transfer-Encoding line, in order, parameters and all:
// `chunked;x` is not `chunked`.
std::vector<std::string> transfer_codings(const Request& req) {
  std::vector<std::string> codings;
  auto [first, last] = req.equal_range(http::field::transfer_encoding);
  for (auto it = first; it != last; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      item = trim_ows(item);
      if (!item.empty()) codings.emplace_back(item);
    }
  }
  return codings;
}

ApiError header_too_large(std::size_t limit) {
  return {http::status::request_header_fields_too_large, "invalid_request_error",
          "request headers exceed " + std::to_string(limit) + " bytes"};
}

}  // namespace

RequestReader::RequestReader(Limits limits) : limits_(limits) {
  parser_.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // Applied after the header (limit_body()): a streamed body has none.
  parser_.body_limit(boost::none);
}

std::optional<ApiError> RequestReader::limit_body() {
  body_limited_ = true;
  if (streamed_ && !stream_limited_) return std::nullopt;
  if (auto declared = parser_.content_length(); declared && *declared > limits_.max_body_bytes) {
    body_unread_ = true;
    return request_too_large("request body exceeds the limit of " +
                             std::to_string(limits_.max_body_bytes) + " bytes");
  }
  parser_.body_limit(limits_.max_body_bytes);  // a chunked body counts as it comes
  return std::nullopt;
}

namespace {
constexpr std::size_t kShortestChunkedRest = 5;  // "0\r\n\r\n"
}  // namespace

std::size_t RequestReader::buffer_limit(const Limits& limits) {
  return limits.max_header_bytes;
}

RequestReader::Step RequestReader::refuse(ApiError error) {
  refusal_ = std::move(error);
  return Step::refused;
}

RequestReader::Step RequestReader::parse(beast::flat_buffer& buffer) {
  if (refusal_) return Step::refused;
  if (header_reported_ && !body_limited_) {
    if (auto too_large = limit_body()) return refuse(std::move(*too_large));
  }
  while (!parser_.is_done()) {
    if (buffer.size() == 0) return Step::need_more;
    // Beast 1.81 asserts that a chunk header it asked more bytes for comes back with at
    // least 5 ("0\r\n" then 2 more, after a piece that ended right after "0\r\n"). The
    // rest of any valid chunked body from a chunk header on is at least "0\r\n\r\n", so
    // waiting for 5 bytes there never stalls a client that sends a whole request.
    if (chunk_header_pending_ && buffer.size() < kShortestChunkedRest) return Step::need_more;
    beast::error_code ec;
    const bool in_header = !parser_.is_header_done();
    auto used = parser_.put(buffer.data(), ec);
    buffer.consume(used);
    if (in_header) header_bytes_ += used;  // the put that ends the header counts too
    chunk_header_pending_ = ec == http::error::need_more && parser_.is_header_done();
    if (ec == http::error::need_more) {
      bool full = buffer.size() >= buffer.max_size();
      if (!parser_.is_header_done()) {
        // The header still needs a byte more than it has: over the limit if that byte would be.
        if (header_bytes_ + buffer.size() >= limits_.max_header_bytes) {
          return refuse(header_too_large(limits_.max_header_bytes));
        }
      } else if (full) {
        return refuse({http::status::request_header_fields_too_large, "invalid_request_error",
                       "a chunk-size line or the trailer section exceeds " +
                           std::to_string(limits_.max_header_bytes) + " bytes"});
      }
      return Step::need_more;
    }
    if (ec) return on_parse_error(ec);
    if (parser_.is_header_done() && !header_reported_) {
      header_reported_ = true;
      if (header_bytes_ > limits_.max_header_bytes) {
        return refuse(header_too_large(limits_.max_header_bytes));
      }
      if (auto framing = check_framing()) return refuse(std::move(*framing));
      if (parser_.chunked()) {
        const auto& fields = parser_.get().base();
        fields_in_header_ = static_cast<std::size_t>(std::distance(fields.begin(), fields.end()));
      }
      parser_.eager(true);
      return Step::header_done;
    }
  }
  if (parser_.chunked()) {
    const auto& fields = parser_.get().base();
    if (static_cast<std::size_t>(std::distance(fields.begin(), fields.end())) !=
        fields_in_header_) {
      return refuse(invalid_request("trailer fields are not accepted"));
    }
  }
  return Step::complete;
}

RequestReader::Step RequestReader::on_parse_error(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return refuse(header_too_large(limits_.max_header_bytes));
  if (ec == http::error::body_limit) {
    body_unread_ = true;
    return refuse(request_too_large("request body exceeds the limit of " +
                                    std::to_string(limits_.max_body_bytes) + " bytes"));
  }
  if (parser_.is_header_done()) {
    return refuse(invalid_request("malformed request body: " + ec.message()));
  }
  return refuse(invalid_request("malformed HTTP request: " + ec.message()));
}

std::optional<ApiError> RequestReader::check_framing() const {
  const auto& req = parser_.get();
  if (req.find(http::field::transfer_encoding) == req.end()) return std::nullopt;
  if (req.version() < 11) {
    return invalid_request("Transfer-Encoding is not allowed in an HTTP/1.0 request");
  }
  if (req.find(http::field::content_length) != req.end()) {
    return invalid_request("a request may not carry both Transfer-Encoding and Content-Length");
  }
  auto codings = transfer_codings(req);
  auto chunked = [](const std::string& c) { return beast::iequals(c, "chunked"); };
  if (codings.empty() || !chunked(codings.back()) ||
      std::count_if(codings.begin(), codings.end(), chunked) != 1) {
    return invalid_request("Transfer-Encoding must end with chunked, applied once");
  }
  if (!parser_.chunked()) {
    // Whatever we read in the field, the body's framing is what Beast decided.
    return invalid_request("Transfer-Encoding must be chunked");
  }
  if (codings.size() > 1) {
    return ApiError{http::status::not_implemented, "invalid_request_error",
                    "Transfer-Encoding " + codings.front() +
                        " is not supported: send the body chunked or with a Content-Length"};
  }
  return std::nullopt;
}

}  // namespace gw
