#include "support/running_fake.hpp"

namespace gw::test {
namespace {

fake::ServerOptions with_tls(const TestCertificates& certs, fake::ServerOptions o) {
  o.tls_cert_file = certs.server_cert_file().string();
  o.tls_key_file = certs.server_key_file().string();
  return o;
}

}  // namespace

RunningFake::RunningFake(fake::ServerOptions options)
    : ioc_(2), server_(std::make_unique<fake::FakeServer>(ioc_, std::move(options))) {
  server_->start();  // binds before any thread runs, so port() is valid on return
  for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

RunningFake::RunningFake(const TestCertificates& certs, fake::ServerOptions options)
    : RunningFake(with_tls(certs, std::move(options))) {}

RunningFake::~RunningFake() {
  server_->stop();
  // Connections still open are torn down with the io_context: no waiting on clients.
  ioc_.stop();
  for (auto& t : threads_) t.join();
  server_.reset();
}

std::string RunningFake::base_url() const {
  return tls() ? "https://localhost:" + std::to_string(port())
               : "http://127.0.0.1:" + std::to_string(port());
}

}  // namespace gw::test
