#pragma once

// Throw-away PKI for TLS tests, generated in memory with OpenSSL (EC P-256): a test CA, a
// server certificate it signed for the given names, and an unrelated second CA for
// "wrong CA" tests. PEM files live in a fresh temp directory removed by the destructor.

#include <filesystem>
#include <string>
#include <vector>

namespace gw::test {

class TestCertificates {
 public:
  // dns_names and ip_addresses go into the server certificate's subjectAltName.
  explicit TestCertificates(std::vector<std::string> dns_names = {"localhost"},
                            std::vector<std::string> ip_addresses = {"127.0.0.1", "::1"});
  ~TestCertificates();
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path ca_cert_file() const { return dir_ / "ca.pem"; }
  std::filesystem::path server_cert_file() const { return dir_ / "server.pem"; }
  std::filesystem::path server_key_file() const { return dir_ / "server-key.pem"; }
  // Signed nothing we serve: a client trusting only this must fail verification.
  std::filesystem::path other_ca_cert_file() const { return dir_ / "other-ca.pem"; }

  const std::string& ca_cert_pem() const { return ca_cert_pem_; }
  const std::string& server_cert_pem() const { return server_cert_pem_; }
  const std::string& server_key_pem() const { return server_key_pem_; }
  const std::string& other_ca_cert_pem() const { return other_ca_cert_pem_; }

 private:
  std::filesystem::path dir_;
  std::string ca_cert_pem_, server_cert_pem_, server_key_pem_, other_ca_cert_pem_;
};

// One set for the whole test binary ({"localhost"}, {"127.0.0.1", "::1"}), created on
// first use and removed at exit.
const TestCertificates& shared_test_certificates();

}  // namespace gw::test
