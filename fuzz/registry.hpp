#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gw::fuzz {

// One fuzz target: takes any bytes, returns normally when the code under test behaved, and
// calls fail() (or crashes under a sanitizer) when it did not. The same function is driven
// by libFuzzer (fuzz/entry.cpp) and by the unit test that replays the kept inputs
// (tests/unit/fuzz_regressions_test.cpp), so a crash found with clang is replayed by GCC.
using TargetFn = void (*)(const std::uint8_t* data, std::size_t size);

// Called at static initialisation by GW_FUZZ_TARGET; returns true so that it can
// initialise a namespace-scope constant.
bool register_target(std::string_view name, TargetFn fn);

// The registered target of that name, or nullptr.
TargetFn find_target(std::string_view name);

// Every registered target's name, sorted.
std::vector<std::string> target_names();

// A broken invariant: prints the target's message and aborts, which libFuzzer records as a
// crash and keeps the input of, and which fails the replaying unit test.
[[noreturn]] void fail(std::string_view target, std::string_view what);

}  // namespace gw::fuzz

// Defines and registers target `name`; its directories are fuzz/corpus/<name>/ and
// fuzz/regressions/<name>/. Use at namespace scope in gw::fuzz:
//   GW_FUZZ_TARGET(sse_parser) { ...use data, size... }
#define GW_FUZZ_TARGET(name)                                                           \
  void name##_one(const std::uint8_t* data, std::size_t size);                         \
  [[maybe_unused]] const bool name##_registered = register_target(#name, &name##_one); \
  void name##_one(const std::uint8_t* data, std::size_t size)
