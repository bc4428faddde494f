#include "server/common/ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <random>

namespace gw {
namespace {

constexpr std::string_view kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

std::mt19937_64& thread_engine() {
  // Seeded once per thread from OpenSSL so ids are unpredictable across processes; the
  // engine itself is only for uniqueness, never for secrets.
  thread_local std::mt19937_64 engine = [] {
    std::uint64_t seed = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed) != 1) {
      seed = std::random_device{}();
    }
    return std::mt19937_64(seed);
  }();
  return engine;
}

}  // namespace

std::string make_id(std::string_view prefix) {
  std::string id(prefix);
  id.reserve(prefix.size() + 24);
  auto& engine = thread_engine();
  std::uniform_int_distribution<std::size_t> pick(0, kBase58.size() - 1);
  for (int i = 0; i < 24; ++i) id.push_back(kBase58[pick(engine)]);
  return id;
}

}  // namespace gw
