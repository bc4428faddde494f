#include "fake/fake_server.hpp"

#include "fake/fake_connection.hpp"
#include "fake/server_state.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <iostream>
#include <stdexcept>

namespace gw::fake {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

void log_failure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    std::cerr << "fake-messages-api: connection failed: " << x.what() << "\n";
  }
}

asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> state, asio::io_context& ioc) {
  auto& acceptor = *state->acceptor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kTuple);
    if (ec) {
      if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
      // Out of descriptors and the like: back off instead of spinning.
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, serve_connection(state, std::move(socket)), log_failure);
  }
}

}  // namespace

std::optional<std::uint64_t> ConnectionRegistry::add(std::function<void()> closer) {
  std::lock_guard lock(mutex_);
  if (stopped_) return std::nullopt;
  auto id = next_id_++;
  entries_.emplace(id, Entry{std::move(closer), false});
  return id;
}

void ConnectionRegistry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  entries_.erase(id);
}

void ConnectionRegistry::set_idle(std::uint64_t id, bool idle) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(id); it != entries_.end()) it->second.idle = idle;
}

std::size_t ConnectionRegistry::close_idle() {
  std::vector<std::function<void()>> closers;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, e] : entries_) {
      if (e.idle) closers.push_back(e.closer);
    }
  }
  for (auto& close : closers) close();
  return closers.size();
}

std::uint64_t ConnectionRegistry::accepted() const {
  std::lock_guard lock(mutex_);
  return next_id_;
}

void ConnectionRegistry::close_all() {
  std::unordered_map<std::uint64_t, Entry> entries;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    entries.swap(entries_);
  }
  for (auto& [id, e] : entries) e.closer();
}

FakeServer::FakeServer(asio::io_context& ioc, ServerOptions options)
    : ioc_(ioc), state_(std::make_shared<ServerState>(std::move(options))) {}

FakeServer::~FakeServer() {
  stop();
}

void FakeServer::start() {
  const auto& o = state_->options;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      throw std::runtime_error("TLS needs both a certificate and a key file");
    }
    ssl::context ctx(ssl::context::tls_server);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain_file(o.tls_cert_file);
    ctx.use_private_key_file(o.tls_key_file, ssl::context::pem);
    state_->tls.emplace(std::move(ctx));
  }

  tcp::endpoint endpoint(asio::ip::make_address(o.host), o.port);
  tcp::acceptor acceptor(asio::make_strand(ioc_));
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  state_->port = acceptor.local_endpoint().port();
  state_->acceptor.emplace(std::move(acceptor));

  asio::co_spawn(state_->acceptor->get_executor(), accept_loop(state_, ioc_), log_failure);
}

std::uint16_t FakeServer::port() const {
  return state_->port;
}

bool FakeServer::tls() const {
  return state_->tls.has_value();
}

void FakeServer::stop() {
  if (state_->stopping.exchange(true)) return;
  if (state_->acceptor) {
    auto state = state_;
    asio::post(state->acceptor->get_executor(), [state] {
      boost::system::error_code ignored;
      state->acceptor->close(ignored);
    });
  }
  state_->connections.close_all();
}

FaultScript& FakeServer::faults() {
  return state_->faults;
}

Stats FakeServer::stats() const {
  return state_->snapshot();
}

std::size_t FakeServer::close_idle() {
  return state_->connections.close_idle();
}

std::size_t FakeServer::release(std::size_t n) {
  return state_->holds.release(n);
}

std::vector<RecordedRequest> FakeServer::recorded(std::size_t limit) const {
  return state_->log.last(limit);
}

void FakeServer::reset() {
  state_->reset();
}

}  // namespace gw::fake
