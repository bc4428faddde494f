#pragma once

// The fixture of the in-process integration tests: a fake Messages API (TLS with the
// shared test CA, or plain) and a gateway in front of it with two client keys and quick
// retries. start() takes a tweak, so that a test adjusts the config before the gateway
// runs; calling it again restarts both with another config.

#include "support/http_test_client.hpp"
#include "support/running_fake.hpp"
#include "support/running_gateway.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

namespace gw::test {

// The keys of the clients start() configures, "alpha" and "beta" (auth.keys[0] and [1]).
inline constexpr std::string_view kKeyA = "client-key-a-0123456789";
inline constexpr std::string_view kKeyB = "client-key-b-0123456789";

// What a client sends with a JSON body: content-type, anthropic-version and its key.
Headers client_headers(std::string_view key = kKeyA);

class GatewayFixture : public ::testing::Test {
 protected:
  using Tweak = std::function<void(Config&)>;
  enum class Upstream { tls, plain };

  explicit GatewayFixture(Upstream upstream = Upstream::tls) : upstream_(upstream) {}

  // Drains what ran before, then starts the fake and a gateway with the two keys, a 10 ms
  // first retry backoff and `tweak`'s changes.
  void start(const Tweak& tweak = {});
  // Drains the gateway as SIGTERM does (running requests get shutdown.grace) and lets it
  // go; the fake keeps running.
  void stop_gateway() { gateway_.reset(); }
  // The same on another thread; returns once the drain has begun (the listener is gone),
  // with the future of its end. From then on gateway() is going away: do not touch it.
  std::future<void> begin_drain();
  // The gateway goes first: it must never outlive its upstream.
  void TearDown() override;

  fake::FakeServer& fake() { return fake_->server(); }
  RunningFake& running_fake() { return *fake_; }
  RunningGateway& gateway() { return *gateway_; }
  AdmissionQueue& queue() { return gateway_->gateway().dispatcher().queue(); }

  std::string url(std::string_view path) const;
  // One request on a fresh connection, with client_headers(key) and `extra`.
  HttpResult call(std::string_view method, std::string_view path, std::string_view body = {},
                  std::string_view key = kKeyA, const Headers& extra = {}) const;
  std::string metrics() const;

 private:
  Upstream upstream_;
  std::unique_ptr<RunningFake> fake_;
  std::unique_ptr<RunningGateway> gateway_;
};

}  // namespace gw::test
