#include "server/http/client_body.hpp"

#include "server/http/buffer_room.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>

namespace gw {

asio::awaitable<beast::error_code> ClientBody::read(std::string& out) {
  out.clear();
  auto& body = reader_.request().body();
  for (;;) {
    if (complete_) co_return beast::error_code{};
    const auto step = reader_.parse(buffer_);
    if (step == RequestReader::Step::refused) {
      refusal_ = reader_.refusal();
      co_return beast::error_code(http::error::bad_chunk);
    }
    complete_ = step == RequestReader::Step::complete;
    if (!body.empty()) {
      // What the buffer held, at most one buffer's worth: handed on before reading more.
      out.swap(body);
      body.clear();
      co_return beast::error_code{};
    }
    if (complete_) co_return beast::error_code{};
    stream_.expires_after(timeout_);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(buffer_room(buffer_)),
                                                    asio::as_tuple(asio::use_awaitable));
    stream_.expires_never();
    if (ec) co_return ec;
    buffer_.commit(n);
  }
}

std::optional<std::uint64_t> ClientBody::length() const {
  return reader_.declared_length();
}

}  // namespace gw
