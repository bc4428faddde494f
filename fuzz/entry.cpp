// The libFuzzer entry point of one fuzz executable; GW_FUZZ_TARGET_NAME is set by
// gateway_fuzz_target in fuzz/CMakeLists.txt.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const gw::fuzz::TargetFn one = [] {
    const gw::fuzz::TargetFn fn = gw::fuzz::find_target(GW_FUZZ_TARGET_NAME);
    if (fn == nullptr) {
      std::fprintf(stderr, "no fuzz target named %s is linked in\n", GW_FUZZ_TARGET_NAME);
      std::abort();
    }
    return fn;
  }();
  one(data, size);
  return 0;
}
