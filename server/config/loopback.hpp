#pragma once

#include <string_view>

namespace gw {

// True for "localhost", any IPv4 address in 127.0.0.0/8, "::1" (bracketed or not) and
// IPv4-mapped loopback such as "::ffff:127.0.0.1". Host names other than "localhost" are
// never loopback: deciding from DNS would let a resolver change a security decision.
bool is_loopback_host(std::string_view host);

}  // namespace gw
