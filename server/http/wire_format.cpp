#include "server/http/wire_format.hpp"

#include <charconv>

namespace gw {

namespace http = boost::beast::http;

namespace {

void append_version(std::string& out, unsigned version) {
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10 % 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
}

void append_fields(std::string& out, const http::fields& fields, std::string_view more) {
  for (const auto& f : fields) {
    out += f.name_string();
    out += ": ";
    out += f.value();
    out += "\r\n";
  }
  out += more;
  out += "\r\n";
}

}  // namespace

void append_head(std::string& out, const http::request_header<>& head, std::string_view more) {
  out += head.method_string();
  out += ' ';
  out += head.target();
  out += ' ';
  append_version(out, head.version());
  out += "\r\n";
  append_fields(out, head, more);
}

void append_head(std::string& out, const http::response_header<>& head, std::string_view more) {
  append_version(out, head.version());
  out += ' ';
  char code[4];
  const unsigned status = head.result_int() % 1000;
  code[0] = static_cast<char>('0' + status / 100);
  code[1] = static_cast<char>('0' + status / 10 % 10);
  code[2] = static_cast<char>('0' + status % 10);
  code[3] = ' ';
  out.append(code, 4);
  out += head.reason();
  out += "\r\n";
  append_fields(out, head, more);
}

ChunkFrame::ChunkFrame(std::size_t size) {
  auto [end, ec] = std::to_chars(prefix_, prefix_ + 16, size, 16);
  end[0] = '\r';
  end[1] = '\n';
  prefix_size_ = static_cast<std::size_t>(end + 2 - prefix_);
}

std::array<boost::asio::const_buffer, 3> ChunkFrame::around(std::string_view data) const {
  return {boost::asio::const_buffer(prefix_, prefix_size_),
          boost::asio::const_buffer(data.data(), data.size()),
          boost::asio::const_buffer("\r\n", 2)};
}

}  // namespace gw
