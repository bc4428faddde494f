#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace gw {

// The client TLS context for upstream: TLS 1.2+, peer verification against the system
// bundle plus `ca_file` when given. Throws std::runtime_error on a bad CA file.
std::unique_ptr<boost::asio::ssl::context> make_upstream_tls_context(const std::string& ca_file);

}  // namespace gw
