#include "support/running_gateway.hpp"

namespace gw::test {

Config gateway_config(const RunningFake& fake, const std::string& ca_file,
                      const std::string& upstream_key) {
  Config c;
  c.listen.host = "127.0.0.1";
  c.listen.port = 0;
  c.threads = 2;
  c.upstream.base_url = fake.base_url();
  c.upstream.api_key = upstream_key;
  c.upstream.ca_file = ca_file;
  c.upstream.connect_timeout = std::chrono::milliseconds(3000);
  c.upstream.response_timeout = std::chrono::milliseconds(10000);
  c.upstream.stream_idle_timeout = std::chrono::milliseconds(10000);
  c.shutdown.grace = std::chrono::milliseconds(2000);
  // Tests that need durability point a SQLite store at a temporary directory themselves.
  c.store.backend = "memory";
  return c;
}

RunningGateway::RunningGateway(Config config)
    : gateway_(std::make_unique<Gateway>(std::move(config))) {
  gateway_->start();
}

RunningGateway::~RunningGateway() {
  gateway_->shutdown(gateway_->config().shutdown.grace);
}

}  // namespace gw::test
