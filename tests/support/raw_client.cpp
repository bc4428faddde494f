#include "support/raw_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>

#include <functional>
#include <utility>

namespace gw::test {

namespace asio = boost::asio;

RawClient::RawClient(std::uint16_t port) : socket_(ioc_) {
  socket_.connect({asio::ip::make_address("127.0.0.1"), port});
}

RawClient::~RawClient() {
  close();
}

void RawClient::send(std::string_view bytes) {
  asio::write(socket_, asio::buffer(bytes));
}

std::string RawClient::post_bytes(std::string_view target, const Headers& headers,
                                  std::string_view body) {
  std::string req = "POST " + std::string(target) + " HTTP/1.1\r\nhost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) req += name + ": " + value + "\r\n";
  req += "content-length: " + std::to_string(body.size()) + "\r\n\r\n";
  req += body;
  return req;
}

void RawClient::post(std::string_view target, const Headers& headers, std::string_view body) {
  send(post_bytes(target, headers, body));
}

bool RawClient::read(const std::function<bool(const std::string&)>& done, bool& closed,
                     std::chrono::milliseconds deadline) {
  closed = false;
  if (done(received_)) return true;
  char buf[4096];
  bool finished = false;
  std::function<void()> read_more = [&] {
    socket_.async_read_some(asio::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
      received_.append(buf, n);
      // Our own cancel at the deadline is not the server closing.
      if (ec && ec != asio::error::operation_aborted) closed = true;
      if (ec || done(received_)) {
        finished = true;
        return;
      }
      read_more();
    });
  };
  read_more();
  ioc_.restart();
  ioc_.run_for(deadline);
  if (!ioc_.stopped()) {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    ioc_.restart();
    ioc_.run();  // lets the cancelled read finish before buf goes away
  }
  return finished;
}

std::string RawClient::read_all(bool& closed, std::chrono::milliseconds deadline) {
  read([](const std::string&) { return false; }, closed, deadline);
  return std::exchange(received_, {});
}

std::string RawClient::read_until(std::string_view marker, std::chrono::milliseconds deadline) {
  bool closed = false;
  read([&](const std::string& got) { return got.find(marker) != std::string::npos; }, closed,
       deadline);
  auto at = received_.find(marker);
  if (at == std::string::npos) return std::exchange(received_, {});
  std::string out = received_.substr(0, at + marker.size());
  received_.erase(0, at + marker.size());
  return out;
}

void RawClient::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace gw::test
