#pragma once

// Internal to the fake: what the acceptor, the connections and the control routes share.

#include "fake/agent_sessions_api.hpp"
#include "fake/batches_api.hpp"
#include "fake/fake_server.hpp"
#include "fake/files_api.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace gw::fake {

// Open connections, so stop() can close them from any thread. Each entry posts the
// close onto its connection's strand.
class ConnectionRegistry {
 public:
  // nullopt once stopped: the caller must close its socket itself.
  std::optional<std::uint64_t> add(std::function<void()> closer);
  void remove(std::uint64_t id);
  void close_all();  // and refuse new entries

 private:
  std::mutex mutex_;
  bool stopped_ = false;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> closers_;
};

struct ServerState {
  explicit ServerState(ServerOptions o) : options(std::move(o)) {}

  const ServerOptions options;
  std::optional<boost::asio::ssl::context> tls;
  FaultScript faults;
  StatsCollector stats;
  RequestLog log;
  BatchesApi batches;
  FilesApi files;
  AgentSessionsApi agent_sessions;
  ConnectionRegistry connections;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  // Set by stop(): closes seen after it are ours, not client disconnects.
  std::atomic<bool> stopping{false};

  void reset() {
    faults.clear();
    stats.reset();
    log.clear();
    batches.clear();
    files.clear();
    agent_sessions.clear();
  }
};

}  // namespace gw::fake
