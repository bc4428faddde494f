#pragma once

#include "server/upstream/upstream_headers.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>

namespace gw {

// Reads an upstream answer: its head into UpstreamHeaders, its body into whatever buffer
// the reader offers before each read (as Beast's buffer_body does: with no room offered,
// parsing stops with http::error::need_buffer).
class UpstreamParser : public boost::beast::http::basic_parser<false> {
 public:
  unsigned status() const { return status_; }
  const UpstreamHeaders& headers() const { return headers_; }

  // Where the next body bytes go, and how much room there is; room() tells what is left.
  void offer(char* data, std::size_t size) {
    out_ = data;
    room_ = size;
  }
  std::size_t room() const { return room_; }

 private:
  using error_code = boost::system::error_code;
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                       boost::beast::string_view, int, error_code&) override {}
  void on_response_impl(int code, boost::beast::string_view, int, error_code&) override {
    status_ = static_cast<unsigned>(code);
  }
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, error_code&) override {
    headers_.add(name, name_string, value);
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(boost::beast::string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(error_code&) override {}

  unsigned status_ = 0;
  UpstreamHeaders headers_;
  char* out_ = nullptr;
  std::size_t room_ = 0;
};

}  // namespace gw
