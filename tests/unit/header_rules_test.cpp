#include "server/upstream/header_rules.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

namespace http = boost::beast::http;

TEST(UpstreamRequestHeaders, ReplacesCredentialsAndKeepsApiHeaders) {
  http::fields client;
  client.set("X-Api-Key", "client-key");
  client.set(http::field::authorization, "Bearer client-token");
  client.set(http::field::cookie, "a=b");
  client.set(http::field::host, "gateway.local");
  client.set(http::field::connection, "keep-alive");
  client.set(http::field::content_type, "application/json");
  client.set(http::field::accept, "application/json");
  client.set(http::field::user_agent, "Anthropic/Python 0.82.0");
  client.set("anthropic-version", "2026-10-21");
  client.insert("anthropic-beta", "context-1m-2025-08-07");
  client.insert("anthropic-beta", "files-api-2025-04-14");
  client.set("X-Stainless-Retry-Count", "1");
  client.set("x-forwarded-for", "10.0.0.1");

  auto out = upstream_request_headers(client, "upstream-key");
  EXPECT_EQ(out["x-api-key"], "upstream-key");
  EXPECT_EQ(out.count("x-api-key"), 1u);
  EXPECT_EQ(out.count(http::field::authorization), 0u);
  EXPECT_EQ(out.count(http::field::cookie), 0u);
  EXPECT_EQ(out.count(http::field::host), 0u);
  EXPECT_EQ(out.count(http::field::connection), 0u);
  EXPECT_EQ(out.count("x-forwarded-for"), 0u);
  EXPECT_EQ(out["anthropic-version"], "2026-10-21");  // passed through, not second-guessed
  EXPECT_EQ(out.count("anthropic-beta"), 2u);         // repeated headers stay repeated
  EXPECT_EQ(out["content-type"], "application/json");
  EXPECT_EQ(out["accept"], "application/json");
  EXPECT_EQ(out["user-agent"], "Anthropic/Python 0.82.0");
  EXPECT_EQ(out["x-stainless-retry-count"], "1");
}

TEST(UpstreamRequestHeaders, DefaultVersionOnlyWhenAbsent) {
  http::fields client;
  auto out = upstream_request_headers(client, "k");
  EXPECT_EQ(out["anthropic-version"], "2023-06-01");
  client.set("Anthropic-Version", "2023-06-01");
  out = upstream_request_headers(client, "k");
  EXPECT_EQ(out.count("anthropic-version"), 1u);
}

TEST(RelayedHeaders, RateLimitRetryAndRequestIdOnly) {
  UpstreamHeaders upstream;
  upstream.add("request-id", "req_abc");
  upstream.add("anthropic-ratelimit-requests-remaining", "999");
  upstream.add("anthropic-ratelimit-tokens-reset", "2025-08-21T12:40:59Z");
  upstream.add("retry-after", "2");
  upstream.add("retry-after-ms", "1500");
  upstream.add("x-should-retry", "true");
  upstream.add("content-type", "text/event-stream; charset=utf-8");
  upstream.add("cache-control", "no-cache");
  upstream.add("set-cookie", "__cf_bm=x");
  upstream.add("server", "cloudflare");
  upstream.add("cf-ray", "972a");
  upstream.add("transfer-encoding", "chunked");
  upstream.add("content-length", "10");

  http::response_header<> out;
  out.result(200);
  copy_relayed_headers(upstream, out);
  EXPECT_EQ(out["request-id"], "req_abc");
  EXPECT_EQ(out["anthropic-ratelimit-requests-remaining"], "999");
  EXPECT_EQ(out["anthropic-ratelimit-tokens-reset"], "2025-08-21T12:40:59Z");
  EXPECT_EQ(out["retry-after"], "2");
  EXPECT_EQ(out["retry-after-ms"], "1500");
  EXPECT_EQ(out.count("x-should-retry"), 0u);  // meaningless on a success
  EXPECT_EQ(out["content-type"], "text/event-stream; charset=utf-8");
  EXPECT_EQ(out["cache-control"], "no-cache");
  EXPECT_EQ(out.count("set-cookie"), 0u);
  EXPECT_EQ(out.count("server"), 0u);
  EXPECT_EQ(out.count("cf-ray"), 0u);
  // Framing is ours to decide, never copied.
  EXPECT_EQ(out.count(http::field::transfer_encoding), 0u);
  EXPECT_EQ(out.count(http::field::content_length), 0u);
}

// The gateway already decided what to retry: an SDK on top must not retry again.
TEST(RelayedHeaders, AnErrorAlwaysSaysShouldRetryFalse) {
  for (const char* upstream_says : {"true", "false", ""}) {
    for (unsigned status : {400u, 429u, 500u, 529u}) {
      UpstreamHeaders upstream;
      if (*upstream_says) upstream.add("x-should-retry", upstream_says);
      upstream.add("retry-after", "7");
      http::response_header<> out;
      out.result(status);
      copy_relayed_headers(upstream, out);
      EXPECT_EQ(out["x-should-retry"], "false") << status << upstream_says;
      EXPECT_EQ(out["retry-after"], "7") << status;
    }
  }
}

}  // namespace
}  // namespace gw
