#pragma once

// Internal to the fake: what the acceptor, the connections and the control routes share.

#include "fake/agent_sessions_api.hpp"
#include "fake/batches_api.hpp"
#include "fake/fake_server.hpp"
#include "fake/files_api.hpp"
#include "fake/hold_gate.hpp"
#include "fake/prompt_cache.hpp"

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
// close onto its connection's strand. A connection waiting for its next request is idle:
// close_idle() closes those, as an upstream ending its idle keep-alive connections does.
class ConnectionRegistry {
 public:
  // nullopt once stopped: the caller must close its socket itself.
  std::optional<std::uint64_t> add(std::function<void()> closer);
  void remove(std::uint64_t id);
  void set_idle(std::uint64_t id, bool idle);
  std::size_t close_idle();  // returns how many were closed
  void close_all();          // and refuse new entries
  std::uint64_t accepted() const;

 private:
  struct Entry {
    std::function<void()> closer;
    bool idle = false;
  };
  mutable std::mutex mutex_;
  bool stopped_ = false;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::uint64_t, Entry> entries_;
};

struct ServerState {
  explicit ServerState(ServerOptions o) : options(std::move(o)) {}

  const ServerOptions options;
  std::optional<boost::asio::ssl::context> tls;
  FaultScript faults;
  StatsCollector stats;
  HoldGate holds;
  RequestLog log;
  BatchesApi batches;
  FilesApi files;
  AgentSessionsApi agent_sessions;
  // Upstream's prompt cache, shared by every connection (its own lock).
  PromptCache prompt_cache;
  ConnectionRegistry connections;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  // Set by stop(): closes seen after it are ours, not client disconnects.
  std::atomic<bool> stopping{false};

  Stats snapshot() const {
    Stats s = stats.snapshot();
    s.holding = holds.holding();
    s.holds = holds.held_total();
    s.connections = connections.accepted();
    return s;
  }

  // Held replies are released too, so that nothing waits on a test that has moved on.
  void reset() {
    holds.release();
    faults.clear();
    stats.reset();
    log.clear();
    batches.clear();
    files.clear();
    agent_sessions.clear();
    prompt_cache.clear();
  }
};

}  // namespace gw::fake
