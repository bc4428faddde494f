#include "server/app/io_workers.hpp"

namespace gw {

IoWorkers::IoWorkers(std::size_t count) {
  if (count == 0) count = 1;
  for (std::size_t i = 0; i < count; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
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
