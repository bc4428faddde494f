// Replays every kept fuzz input (fuzz/corpus/<target>/ and fuzz/regressions/<target>/)
// through the same target function libFuzzer drives, in this GCC sanitizer build: a crash
// found once with clang stays fixed without clang. The folders are read when the test runs,
// so a new input needs no rebuild. A broken invariant aborts (gw::fuzz::fail) after the
// input's path is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "fuzz/registry.hpp"
#include "support/source_tree.hpp"

namespace gw::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = test::source_tree() / "fuzz";

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class FuzzReplay : public ::testing::TestWithParam<std::string> {};

TEST_P(FuzzReplay, KeptInputsPass) {
  const std::string& name = GetParam();
  const TargetFn target = find_target(name);
  ASSERT_NE(target, nullptr);
  const auto seeds = inputs_in(kFuzzDir / "corpus" / name);
  EXPECT_FALSE(seeds.empty()) << "fuzz/corpus/" << name << "/ needs a few seed inputs";
  auto files = seeds;
  const auto kept = inputs_in(kFuzzDir / "regressions" / name);
  files.insert(files.end(), kept.begin(), kept.end());
  for (const fs::path& file : files) {
    std::printf("replaying %s\n", file.c_str());
    std::fflush(stdout);
    const std::string bytes = read_file(file);
    target(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(target_names()),
                         [](const auto& info) { return info.param; });

// A folder for a target that is not compiled in would otherwise be skipped in silence.
TEST(FuzzReplay, EveryFolderHasATarget) {
  const auto names = target_names();
  const std::set<std::string> known(names.begin(), names.end());
  for (const char* kind : {"corpus", "regressions"}) {
    if (!fs::is_directory(kFuzzDir / kind)) continue;
    for (const auto& entry : fs::directory_iterator(kFuzzDir / kind)) {
      EXPECT_TRUE(known.contains(entry.path().filename().string()))
          << "fuzz/" << kind << "/" << entry.path().filename().string()
          << " has no target in fuzz/targets/";
    }
  }
}

}  // namespace
}  // namespace gw::fuzz
