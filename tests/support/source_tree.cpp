#include "support/source_tree.hpp"

namespace gw::test {

// GW_SOURCE_DIR is defined for this file alone (tests/CMakeLists.txt): a definition on
// every test file would make each worktree's compile commands differ, and ccache could no
// longer share them.
std::filesystem::path source_tree() {
  return GW_SOURCE_DIR;
}

}  // namespace gw::test
