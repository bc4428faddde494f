// parse_off_io: small bodies are parsed where they are, large ones on the blocking pool,
// so that an I/O thread never spends a 32 MiB parse.

#include "server/common/blocking_pool.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <stdexcept>
#include <thread>

namespace gw {
namespace {

std::thread::id parsed_on(BlockingPool& pool, std::size_t bytes) {
  boost::asio::io_context io;
  std::thread::id where;
  auto fut = boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        where = co_await parse_off_io(pool, bytes, [] { return std::this_thread::get_id(); });
      },
      boost::asio::use_future);
  io.run();
  fut.get();
  return where;
}

TEST(ParseOffIo, SmallBodiesStayLargeOnesGoToThePool) {
  BlockingPool pool(1);
  EXPECT_EQ(parsed_on(pool, kParseOffIoBytes - 1), std::this_thread::get_id());
  EXPECT_NE(parsed_on(pool, kParseOffIoBytes), std::this_thread::get_id());
  pool.join();
}

TEST(ParseOffIo, WhatThePoolThrowsIsThrownHere) {
  BlockingPool pool(1);
  boost::asio::io_context io;
  auto fut = boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<int> {
        co_return co_await parse_off_io(pool, kParseOffIoBytes,
                                        []() -> int { throw std::runtime_error("bad body"); });
      },
      boost::asio::use_future);
  io.run();
  EXPECT_THROW(fut.get(), std::runtime_error);
  pool.join();
}

}  // namespace
}  // namespace gw
