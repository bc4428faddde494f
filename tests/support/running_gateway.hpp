#pragma once

// The gateway in-process on port 0, started by the constructor and drained by the
// destructor, with its upstream pointed at a RunningFake.

#include "server/app/gateway.hpp"
#include "support/running_fake.hpp"

#include <memory>
#include <string>

namespace gw::test {

// A config whose upstream is `fake` (trusting `ca_file` for TLS) and whose listener is
// 127.0.0.1:0; tests adjust the rest.
Config gateway_config(const RunningFake& fake, const std::string& ca_file = {},
                      const std::string& upstream_key = "upstream-key-for-tests");

class RunningGateway {
 public:
  explicit RunningGateway(Config config);
  ~RunningGateway();

  std::uint16_t port() const { return gateway_->port(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  Gateway& gateway() { return *gateway_; }

 private:
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace gw::test
