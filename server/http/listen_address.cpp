#include "server/http/listen_address.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <system_error>

namespace gw {

boost::asio::ip::tcp::endpoint resolve_listen_address(const std::string& host, std::uint16_t port) {
  namespace ip = boost::asio::ip;
  std::string name = host;
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  boost::system::error_code ec;
  auto address = ip::make_address(name, ec);
  if (!ec) return {address, port};
  boost::asio::io_context io;
  ip::tcp::resolver resolver(io);
  auto results =
      resolver.resolve(name, std::to_string(port),
                       ip::resolver_base::passive | ip::resolver_base::numeric_service, ec);
  if (ec || results.empty()) {
    if (!ec) ec = boost::asio::error::host_not_found;
    throw std::system_error(ec, "listen address " + host + " does not resolve");
  }
  for (const auto& r : results) {
    if (r.endpoint().address().is_v4()) return r.endpoint();
  }
  return results.begin()->endpoint();
}

}  // namespace gw
