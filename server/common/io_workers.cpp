#include "server/common/io_workers.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace gw {

IoWorkers::IoWorkers(std::size_t count) {
  if (count == 0) count = 1;
  for (std::size_t i = 0; i < count; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
    // Asio makes a context's reactor (an epoll and an eventfd) with its first socket. Make
    // it now: the first socket may be accepted when descriptors are exhausted, and then
    // accept() itself would throw instead of failing with EMFILE.
    boost::asio::ip::tcp::socket reactor_now(*contexts_.back());
  }
}

IoWorkers::~IoWorkers() {
  stop();
  join();
}

void IoWorkers::start() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] { c->run(); });
  }
}

void IoWorkers::stop() {
  guards_.clear();
  for (auto& ctx : contexts_) ctx->stop();
}

void IoWorkers::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void IoWorkers::destroy() {
  join();
  contexts_.clear();
}

}  // namespace gw
