#pragma once

// The test-only /_fake/ endpoints: script faults, release held replies
// (POST /_fake/release?count=N, all without count), read stats and recorded requests, reset.
// Plain JSON, no authentication, never counted or recorded.

#include <boost/beast/http/verb.hpp>

#include <string>
#include <string_view>

namespace gw::fake {

struct ServerState;

struct ControlReply {
  unsigned status = 200;
  std::string body;  // JSON
};

ControlReply handle_control(ServerState& state, boost::beast::http::verb method,
                            std::string_view path, std::string_view query, std::string_view body,
                            std::string_view request_id);

}  // namespace gw::fake
