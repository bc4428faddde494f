// Issue 11, item 4: the gateway's Via mark, the 508 for a request that carries it, and
// the warning for an upstream that is the gateway's own listener.

#include "server/upstream/loop_guard.hpp"
#include "server/upstream/header_rules.hpp"
#include "server/upstream/own_listener_check.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

namespace http = boost::beast::http;

TEST(LoopGuard, ThePseudonymIsRandomHexStableForTheProcess) {
  const std::string_view p = gateway_via_pseudonym();
  ASSERT_EQ(p.size(), std::string_view("claude-gateway-").size() + 16);
  EXPECT_EQ(p.substr(0, 15), "claude-gateway-");
  EXPECT_EQ(p.find_first_not_of("0123456789abcdef", 15), std::string_view::npos);
  EXPECT_EQ(gateway_via_pseudonym(), p);
}

TEST(LoopGuard, UpstreamRequestsCarryTheMarkAfterTheClientsVia) {
  http::fields client;
  auto out = upstream_request_headers(client, "k");
  EXPECT_EQ(out[http::field::via], "1.1 " + std::string(gateway_via_pseudonym()));

  client.insert(http::field::via, "1.1 proxy-a");
  client.insert(http::field::via, "1.0 proxy-b");
  out = upstream_request_headers(client, "k");
  EXPECT_EQ(out.count(http::field::via), 1u);
  EXPECT_EQ(out[http::field::via],
            "1.1 proxy-a, 1.0 proxy-b, 1.1 " + std::string(gateway_via_pseudonym()));
}

TEST(LoopGuard, ARequestCarryingTheMarkIs508) {
  http::fields request;
  EXPECT_FALSE(check_request_loop(request));
  request.insert(http::field::via, "1.1 proxy-a");
  request.insert(http::field::via, "1.1 claude-gateway-0000000000000000");  // another gateway
  EXPECT_FALSE(check_request_loop(request));

  // What this gateway sent upstream, come back through a proxy that added a line.
  request.insert(http::field::via, upstream_request_headers({}, "k")[http::field::via]);
  auto e = check_request_loop(request);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, http::status::loop_detected);
  EXPECT_EQ(e->type, "api_error");
  EXPECT_NE(e->message.find("upstream.base_url"), std::string::npos) << e->message;
}

Config listening(std::string host, std::uint16_t port, std::string upstream) {
  Config c;
  c.listen.host = std::move(host);
  c.listen.port = port;
  c.upstream.base_url = std::move(upstream);
  return c;
}

TEST(OwnListenerCheck, WarnsWhenTheUpstreamIsTheListener) {
  for (const auto& c :
       {listening("127.0.0.1", 8080, "http://127.0.0.1:8080"),
        listening("127.0.0.1", 8080, "http://localhost:8080/"),
        listening("127.0.0.1", 8080, "http://127.0.0.2:8080"),
        listening("::1", 8443, "https://[::1]:8443"), listening("0.0.0.0", 80, "http://localhost"),
        listening("::", 443, "https://127.0.0.1"),
        listening("10.1.2.3", 8080, "http://10.1.2.3:8080"),
        listening("gw.internal", 8080, "http://GW.internal:8080")}) {
    auto w = upstream_is_own_listener(c);
    ASSERT_TRUE(w) << c.listen.host << " " << c.upstream.base_url;
    EXPECT_NE(w->find(c.upstream.base_url), std::string::npos) << *w;
  }
}

TEST(OwnListenerCheck, SaysNothingForAnotherHostOrPort) {
  for (const auto& c : {listening("127.0.0.1", 8080, "https://api.anthropic.com"),
                        listening("127.0.0.1", 8080, "http://127.0.0.1:8089"),
                        listening("127.0.0.1", 443, "https://api.anthropic.com"),
                        listening("10.1.2.3", 8080, "http://127.0.0.1:8080"),
                        listening("0.0.0.0", 8080, "http://api.internal:8080"),
                        listening("127.0.0.1", 0, "http://127.0.0.1:0"),  // port picked later
                        listening("127.0.0.1", 8080, "ftp://127.0.0.1:8080")}) {
    EXPECT_FALSE(upstream_is_own_listener(c)) << c.listen.host << " " << c.upstream.base_url;
  }
}

}  // namespace
}  // namespace gw
