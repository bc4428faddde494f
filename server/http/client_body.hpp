#pragma once

#include "server/common/body_source.hpp"
#include "server/http/http_types.hpp"
#include "server/http/request_reader.hpp"

#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>

namespace gw {

// The body of a request whose route streams it, read from the connection as the client
// sends it, under the same framing rules as any body (RequestReader) and a deadline of
// body_timeout for each wait. Memory stays at one connection buffer whatever the size.
class ClientBody : public BodySource {
 public:
  ClientBody(beast::tcp_stream& stream, beast::flat_buffer& buffer, RequestReader& reader,
             std::chrono::milliseconds timeout)
      : stream_(stream), buffer_(buffer), reader_(reader), timeout_(timeout) {}

  asio::awaitable<beast::error_code> read(std::string& out) override;
  std::optional<std::uint64_t> length() const override;

  // Read to its end: the connection can carry another request.
  bool complete() const { return complete_; }
  // The framing was broken (a bad chunk): why, for the client.
  const std::optional<ApiError>& refusal() const { return refusal_; }

 private:
  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  RequestReader& reader_;
  std::chrono::milliseconds timeout_;
  bool complete_ = false;
  std::optional<ApiError> refusal_;
};

}  // namespace gw
