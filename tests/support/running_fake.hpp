#pragma once

// A FakeServer on its own io_context and two threads, for in-process tests. Started by the
// constructor (port 0 unless options say otherwise), stopped and joined by the destructor.

#include "fake/fake_server.hpp"
#include "support/test_ca.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace gw::test {

class RunningFake {
 public:
  explicit RunningFake(fake::ServerOptions options = {});
  // TLS with certs' server certificate and key (clients trust certs.ca_cert_file()).
  explicit RunningFake(const TestCertificates& certs, fake::ServerOptions options = {});
  ~RunningFake();
  RunningFake(const RunningFake&) = delete;
  RunningFake& operator=(const RunningFake&) = delete;

  std::uint16_t port() const { return server_->port(); }
  bool tls() const { return server_->tls(); }
  // "https://localhost:PORT" with TLS (the certificate's name), else "http://127.0.0.1:PORT".
  std::string base_url() const;

  fake::FakeServer& server() { return *server_; }
  fake::FakeServer* operator->() { return server_.get(); }

 private:
  boost::asio::io_context ioc_;
  std::unique_ptr<fake::FakeServer> server_;
  std::vector<std::thread> threads_;
};

}  // namespace gw::test
