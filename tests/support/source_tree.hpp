#pragma once

// The repository's folder, for tests that read its files (config/, fuzz/, web/). Not from
// __FILE__: with ccache's base_dir, __FILE__ is relative to the build folder and names
// nothing from where the tests run.

#include <filesystem>

namespace gw::test {

std::filesystem::path source_tree();

}  // namespace gw::test
