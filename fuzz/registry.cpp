#include "fuzz/registry.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace gw::fuzz {
namespace {

// A function-local static: targets register from other translation units' static
// initialisers, whose order relative to this one is unspecified.
std::map<std::string, TargetFn, std::less<>>& registry() {
  static std::map<std::string, TargetFn, std::less<>> targets;
  return targets;
}

}  // namespace

bool register_target(std::string_view name, TargetFn fn) {
  registry().emplace(std::string(name), fn);
  return true;
}

TargetFn find_target(std::string_view name) {
  const auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second;
}

std::vector<std::string> target_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : registry()) names.push_back(name);
  return names;
}

void fail(std::string_view target, std::string_view what) {
  std::fprintf(stderr, "fuzz target %.*s: %.*s\n", static_cast<int>(target.size()), target.data(),
               static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace gw::fuzz
