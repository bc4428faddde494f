#include "support/gateway_fixture.hpp"

#include "support/eventually.hpp"
#include "support/test_ca.hpp"

namespace gw::test {

Headers client_headers(std::string_view key) {
  return {{"content-type", "application/json"},
          {"anthropic-version", "2023-06-01"},
          {"x-api-key", std::string(key)}};
}

void GatewayFixture::start(const Tweak& tweak) {
  TearDown();
  fake::ServerOptions o;
  o.api_key = "upstream-key-for-tests";
  std::string ca_file;
  if (upstream_ == Upstream::tls) {
    fake_ = std::make_unique<RunningFake>(shared_test_certificates(), o);
    ca_file = shared_test_certificates().ca_cert_file().string();
  } else {
    fake_ = std::make_unique<RunningFake>(o);
  }
  auto c = gateway_config(*fake_, ca_file);
  c.auth.keys = {ClientKey{"alpha", std::string(kKeyA), {}, 0, 0},
                 ClientKey{"beta", std::string(kKeyB), {}, 0, 0}};
  c.retry.initial_backoff = std::chrono::milliseconds(10);  // retries, but quick ones
  if (tweak) tweak(c);
  gateway_ = std::make_unique<RunningGateway>(std::move(c));
}

void GatewayFixture::TearDown() {
  gateway_.reset();
  fake_.reset();
}

std::future<void> GatewayFixture::begin_drain() {
  const auto healthz = url("/healthz");
  auto draining = std::async(std::launch::async, [this] { gateway_.reset(); });
  EXPECT_TRUE(eventually([&] { return !!http_request("GET", healthz).error; }))
      << "the listener is still open";
  return draining;
}

std::string GatewayFixture::url(std::string_view path) const {
  return gateway_->base_url() + std::string(path);
}

HttpResult GatewayFixture::call(std::string_view method, std::string_view path,
                                std::string_view body, std::string_view key,
                                const Headers& extra) const {
  auto headers = client_headers(key);
  headers.insert(headers.end(), extra.begin(), extra.end());
  return http_request(method, url(path), headers, body);
}

std::string GatewayFixture::metrics() const {
  return http_request("GET", url("/metrics")).body;
}

}  // namespace gw::test
