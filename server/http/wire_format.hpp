#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include <array>
#include <string>
#include <string_view>

namespace gw {

// HTTP/1.1 framing written by hand into flat bytes. Beast's serializer walks a message as a
// chain of buffer views, one per start-line piece and per header field; on a small
// pass-through request that walk cost more instructions than everything else the gateway
// does with the response (callgrind), and it hands the kernel a scatter list of dozens of
// entries. Here a head is one string and a message is at most three buffers.

// The start line, every field in order, and the blank line that ends the head.
// `more`: whole field lines ("name: value\r\n") written after the head's own fields.
void append_head(std::string& out, const boost::beast::http::request_header<>& head,
                 std::string_view more = {});
void append_head(std::string& out, const boost::beast::http::response_header<>& head,
                 std::string_view more = {});

template <class Header>
std::string wire_head(const Header& head, std::string_view more = {}) {
  std::string out;
  out.reserve(512 + more.size());
  append_head(out, head, more);
  return out;
}

// The framing around one chunk of a chunked body: "<hex size>\r\n" before it and "\r\n"
// after it. The prefix lives in the object, so it must outlive the write.
class ChunkFrame {
 public:
  explicit ChunkFrame(std::size_t size);
  std::array<boost::asio::const_buffer, 3> around(std::string_view data) const;

 private:
  char prefix_[18];
  std::size_t prefix_size_ = 0;
};

// The last chunk of a chunked body, without trailers.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace gw
