#pragma once

// The fake Messages API over HTTP/1.1 (plain or TLS): routing, the upstream's header rules,
// scripted faults and SSE pacing around the transport-free model in messages_api.hpp.
// Used in-process by tests (port 0) and by fake/main.cpp as a standalone binary.

#include "fake/fake_stats.hpp"
#include "fake/fault_script.hpp"
#include "fake/messages_api.hpp"
#include "fake/request_log.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gw::fake {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port; port() tells which
  // Both empty: plain HTTP. Both set: TLS with this PEM certificate (chain) and key.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string api_key;  // non-empty: only this key is accepted
  FakeSettings settings;
  std::chrono::milliseconds delta_delay{0};  // between SSE events; 0 = back to back
  bool close_after_stream = false;           // like upstream: close once a stream ended
  std::size_t max_body_bytes = 32 * 1024 * 1024;
};

struct ServerState;  // shared with the connection coroutines, which may outlive a stop()

class FakeServer {
 public:
  FakeServer(boost::asio::io_context& ioc, ServerOptions options);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  // Loads the TLS files, binds, listens and starts accepting on the io_context's threads.
  // Throws boost::system::system_error (or std::runtime_error for TLS files) on failure.
  void start();
  std::uint16_t port() const;
  bool tls() const;
  // Closes the acceptor and every open connection; in-flight coroutines then finish on
  // the io_context's threads. Safe to call from any thread, more than once.
  void stop();

  FaultScript& faults();
  Stats stats() const;
  // Lets the `n` oldest held replies (the `hold` fault) go on; 0: all. Returns how many.
  std::size_t release(std::size_t n = 0);
  // Closes every connection waiting for its next request (an upstream ending idle
  // keep-alive connections, without a word); returns how many.
  std::size_t close_idle();
  std::vector<RecordedRequest> recorded(std::size_t limit = 0) const;
  // Clears faults, counters and recorded requests (POST /_fake/reset does the same).
  void reset();

 private:
  boost::asio::io_context& ioc_;
  std::shared_ptr<ServerState> state_;
};

}  // namespace gw::fake
